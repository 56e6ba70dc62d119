"""``tdgen check``: every check over the repository, or over Digdag project folders."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .app import cli, root_of


def _project_folders(paths) -> list[str]:
    """The PATHs, each a folder holding workflows (a usage error otherwise)."""
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            raise click.UsageError(f"{path}: not a folder")
        if not any(folder.glob("*.dig")):
            raise click.UsageError(f"{path}: no workflow (*.dig) in this folder, so "
                                   "nothing to check; pass the folder holding the .dig "
                                   "files (here: workflows/), or no PATH for the repository")
    return list(paths)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default=None,
              help="Output format (default: text; github under GitHub Actions).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--select", multiple=True, metavar="RULE", help="Only these rules or checks "
              "(repeatable), e.g. digdag or sql/syntax.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Never these rules or checks.")
@click.option("--no-style", is_flag=True, help="Do not run yamllint.")
@click.option("--no-cache", is_flag=True, help="Lint every file again, ignoring the findings "
              "cached in .tdgen/cache/.")
@click.option("--list", "list_checks", is_flag=True, help="Print every check and its rules.")
@click.option("--root", type=click.Path(file_okay=False), help="Repository root (when no "
              "PATH is given).")
def check(paths, fmt, strict, select, ignore, no_style, no_cache, list_checks, root) -> int:
    """Check specs, workflows and SQL before pushing: Digdag's rules, strict Trino, references.

    With no PATH, the whole repository (specs, workflows/, timestamp formats). With PATHs,
    each is checked as a Digdag project folder, whatever produced it.
    """
    from ..checks import default_format, run_check
    from .output import show_check

    if list_checks:
        from ..checks.runner import check_docs

        click.echo(check_docs())
        return EXIT_OK
    folders = _project_folders(paths)
    result = run_check(folders, None if folders else root_of(root), select, ignore,
                       False if no_style else None, strict, progress=True, cache=not no_cache)
    show_check(result.findings, fmt or default_format(), click.echo, result.notes)
    return EXIT_FINDINGS if result.failed else EXIT_OK
