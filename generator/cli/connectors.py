"""Commands that ask TD's connector API: ``tdgen preview`` and ``tdgen guess``."""

from __future__ import annotations

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .app import cli, root_of, root_option


@cli.command()
@click.argument("source")
@click.argument("objects", nargs=-1)
@click.option("--window", metavar="START/END", help="The window to preview (ISO 8601 "
              "instants; default: the last whole hour before now less the lag, or the last "
              "complete day for a connector of whole days).")
@root_option
def preview(source, objects, window, root) -> int:
    """Send each object's load config, with a small window, to TD's connector preview.

    Prints the columns and a few rows; exits 1 when TD refuses a config or the object's table
    field is not among the columns (naming the object and the reason).
    """
    from ..td.config import load_config
    from ..td.preview import parse_window, preview_source
    from .output import show_preview

    base = root_of(root)
    bounds = parse_window(window) if window else None
    outcomes = preview_source(base, load_config(base), source, list(objects), bounds)
    show_preview(outcomes, click.echo)
    return EXIT_FINDINGS if any(o.problems for o in outcomes) else EXIT_OK


@cli.command()
@click.argument("source")
@click.argument("obj", metavar="OBJECT")
@click.option("--dry-run", is_flag=True, help="Print the guessed parser; change no file.")
@root_option
def guess(source, obj, dry_run, root) -> None:
    """Fill in a file object's parser (delimiter, header, columns) with TD's connector guess.

    Writes it under the object's params in sources/SOURCE.yml, the rest of the file as it was;
    review it, then run `tdgen generate`.
    """
    from ..td.config import load_config
    from ..td.guess import guess_parser, write_guessed
    from ..td.masking import mask

    base = root_of(root)
    found = guess_parser(base, load_config(base), source, obj)
    if dry_run:
        click.echo(mask(_parser_text(found.parser)), nl=False)
        return
    write_guessed(base, found)
    click.echo(f"wrote the parser of {obj} into {found.spec.relative_to(base)}; review it, "
               "then run `tdgen generate`")


def _parser_text(parser: dict) -> str:
    import yaml

    return yaml.safe_dump({"parser": parser}, sort_keys=False, default_flow_style=None)
