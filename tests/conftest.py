"""Shared fixtures: a private copy of the repository, and a CLI runner bound to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("tdgen.yml", "sources", "templates", "workflows", "docs", "schema",
                 "credentials_ingestion.example.json")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove a command wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


@pytest.fixture
def tdgen(project: Path):
    """Run ``tdgen`` in-process against the copied project; returns the click Result."""
    from generator.cli import cli

    def run(*args: str):
        return CliRunner().invoke(cli, [*args[:1], *args[1:], "--root", str(project)]
                                  if args and args[0] in ("generate", "sources") else list(args),
                                  catch_exceptions=False)
    return run
