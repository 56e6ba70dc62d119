"""Commands that ask TD's connector API: ``tdgen preview`` and ``tdgen guess``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import _root, _run, cli, root_option
from ..td.masking import mask


@cli.command()
@click.argument("source")
@click.argument("objects", nargs=-1)
@click.option("--window", metavar="START/END", help="The window to preview (ISO 8601 "
              "instants; default: the last whole hour before now less the lag).")
@root_option
def preview(source, objects, window, root) -> None:
    """Send each object's load config, with a small window, to TD's connector preview.

    Prints the columns and a few rows; exits 1 when TD refuses a config or the object's table
    field is not among the columns (naming the object and the reason).
    """
    from ..td.config import load_config
    from ..td.preview import parse_window, preview_source

    base = _root(root)
    bounds = _run(parse_window, window) if window else None
    outcomes = _run(preview_source, base, _run(load_config, base), source, list(objects),
                    bounds)
    for outcome in outcomes:
        for line in outcome.lines:
            click.echo(mask(line))
        for problem in outcome.problems:
            click.echo(mask(f"error: {problem}"), err=True)
    if any(o.problems for o in outcomes):
        sys.exit(1)


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
    from ..td.guess import guess_parser

    base = _root(root)
    found = _run(guess_parser, base, _run(load_config, base), source, obj)
    if dry_run:
        click.echo(mask(_parser_text(found.parser)), nl=False)
        return
    _run(_write_validated, base, found.spec, found.text)
    click.echo(f"wrote the parser of {obj} into {found.spec.relative_to(base)}; review it, "
               "then run `tdgen generate`")


def _parser_text(parser: dict) -> str:
    import yaml

    return yaml.safe_dump({"parser": parser}, sort_keys=False, default_flow_style=None)


def _write_validated(root: Path, path: Path, text: str) -> None:
    """Write the spec; if the project no longer loads, put the old text back and fail."""
    from ..errors import TdgenError
    from ..project import load_project

    old = path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    try:
        load_project(root)
    except TdgenError:
        path.write_text(old, encoding="utf-8")
        raise
