"""The repository's own files: no merge left its conflict markers in a tracked file."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import REPO

MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)


def tracked_text_files():
    try:
        out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing to compare")
    for name in out.splitlines():
        path = REPO / name
        if path.is_file() and path.suffix in (".py", ".md", ".j2", ".yml", ".yaml", ".dig",
                                               ".sql", ".json", ".toml", ""):
            yield path


def test_no_conflict_markers_are_left_in_tracked_files():
    found = [str(p.relative_to(REPO)) for p in tracked_text_files()
             if MARKER.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert found == []
