"""``tdgen check`` as a library call: every check over a repository or a Digdag project."""

from __future__ import annotations

from pathlib import Path

from .findings import Finding


def check_repository(root: Path, select=(), ignore=(), style: bool | None = None
                     ) -> list[Finding]:
    """Specs, the generated project (workflows/), SQL, references and timestamp contracts."""
    from .checks.runner import repository_selection, run_repository

    selection = repository_selection(root)
    selection.select += list(select)
    selection.ignore += list(ignore)
    if style is not None:
        selection.style = style
    return run_repository(root, selection)


def check_digdag_project(folder: Path, select=(), ignore=(), style: bool | None = None
                         ) -> list[Finding]:
    """Any Digdag project folder, whatever produced it; paths relative to the folder."""
    from .checks.runner import project_selection, run_project

    selection = project_selection(folder)
    selection.select += list(select)
    selection.ignore += list(ignore)
    if style is not None:
        selection.style = style
    return run_project(folder, selection)


def is_strict(root: Path, repository: bool) -> bool:
    from .checks.runner import project_selection, repository_selection

    return (repository_selection(root) if repository else project_selection(root)).strict
