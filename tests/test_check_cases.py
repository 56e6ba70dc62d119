"""Data-driven cases per check: tests/cases/check/<check>.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.checks.context import PROJECT, CheckContext
from generator.checks.registry import checks

CASES_DIR = Path(__file__).parent / "cases" / "check"
CHECKS = {c.id: c for c in checks(PROJECT)}


def _cases():
    for file in sorted(CASES_DIR.glob("*.yml")):
        data = yaml.safe_load(file.read_text())
        for case in data["cases"]:
            yield pytest.param(data["check"], case, id=f"{data['check']}:{case['id']}")


def write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.mark.parametrize("check, case", list(_cases()))
def test_case(check, case, tmp_path):
    write(tmp_path, case["files"])
    found = [f for f in CHECKS[check].run(CheckContext(tmp_path))
             if f.rule.split("/")[0] == check]
    got = sorted([f.path, f.line, f.column, f.rule] for f in found)
    assert got == sorted(case["findings"]), "\n".join(map(str, found))


def test_enough_failing_cases():
    failing = sum(1 for _check, case in (p.values for p in _cases()) if case["findings"])
    assert failing >= 60, failing
