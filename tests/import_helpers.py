"""Shared steps of the import tests: an empty repository, import, generate, check, run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import copy_project

LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"
IMPORTED_AT = datetime(2026, 11, 1, tzinfo=UTC)
FIRST_RUN = datetime(2026, 11, 20, tzinfo=UTC)


def empty_repository(dest: Path) -> Path:
    """The repository with its templates and settings, and no source."""
    root = copy_project(dest)
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    return root


def generate_and_check(root: Path) -> list:
    """Render the imported specs and return the errors ``tdgen check`` finds."""
    from generator.checks import check_repository
    from generator.render.generate import generate
    from generator.render.writer import apply, changed

    _, statuses = generate(root)
    apply(root, changed(statuses))
    return [f for f in check_repository(root, style=False, cache=False) if f.level == "error"]


def load_spec(root: Path, name: str):
    from generator.spec.project import load_project

    return load_project(root).source(name).spec
