"""Every bad spec gives one clear error at file:line:column, exit 2, no traceback, no write."""

from pathlib import Path

import pytest
import yaml

from tests.conftest import snapshot

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "bad_specs.yml").read_text())


def test_there_are_at_least_twenty_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_spec(case, project, tdgen):
    name = case.get("file", "demo")
    spec = project / "sources" / f"{name}.yml"
    spec.write_text(case["spec"])
    before = snapshot(project)
    result = tdgen("generate")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    reported_in = case.get("reported_in", name)
    assert errors[0].startswith(f"sources/{reported_in}.yml:{case['at']}: error: "), errors[0]
    assert case["message"] in errors[0]
    assert "Traceback" not in result.output + result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(project) == before
