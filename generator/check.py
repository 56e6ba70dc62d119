"""``tdgen check`` as a library call: every check over a repository or a Digdag project."""

from __future__ import annotations

from pathlib import Path

from .findings import Finding


def check_repository(root: Path) -> list[Finding]:
    """Specs, the generated project (workflows/), SQL and references of our repository."""
    from .checks.runner import run_repository

    return run_repository(root)


def check_digdag_project(folder: Path) -> list[Finding]:
    """Any Digdag project folder, whatever produced it."""
    from .checks.runner import run_project

    return run_project(folder)
