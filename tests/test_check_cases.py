"""Data-driven cases per check: tests/cases/check/<check>.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.checks import digdag_rules, expressions, load_config, references, sql, style

CASES_DIR = Path(__file__).parent / "cases" / "check"
MODULES = {"digdag": digdag_rules, "expr": expressions, "sql": sql,
           "load-config": load_config, "references": references, "style": style}


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
    module = MODULES[check]
    found = [f for f in module.check_project(tmp_path) if f.rule.split("/")[0] == check]
    got = sorted([f.path, f.line, f.column, f.rule] for f in found)
    assert got == sorted(case["findings"]), "\n".join(map(str, found))


def test_enough_failing_cases():
    failing = sum(1 for _check, case in (p.values for p in _cases()) if case["findings"])
    assert failing >= 60, failing
