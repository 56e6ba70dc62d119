"""A spec is data, never a path, code or a secret channel (issue 10): each probe of the issue
is one error at ``file:line:column``, exit 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import snapshot

DATA = yaml.safe_load((Path(__file__).parent / "cases" / "hostile_specs.yml").read_text())
BASE: str = DATA["base"]
LONG = "o" * 300
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"  {c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
                  for p, c in zip("abcdefgh", "bcdefghi")) + "  dataset: shopify")

# (id, text replaced in BASE, replacement, line:column, part of the message): the cases of
# tests/cases/hostile_specs.yml, and payloads built here
CASES = [(c["id"], c["replace"], c["with"], c["at"], c["message"]) for c in DATA["cases"]] + [
    ("object-over-255-bytes", "name: orders", f"name: {LONG}", "11:11", "at most 128 bytes"),
    ("hist-table-too-long", "table: demo_orders", f"table: {'t' * 125}", "12:12",
     "historical table"),
    ("deep-nesting", "dataset: shopify", "dataset: " + "[" * 1000 + "]" * 1000, "9:",
     "nested deeper than 64 levels"),
    ("alias-bomb", "dataset: shopify", BOMB, "", "aliases expand this value to"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_spec(case, project, tdgen):
    _, old, new, at, message = case
    assert old in BASE
    (project / "sources" / "demo.yml").write_text(BASE.replace(old, new, 1), encoding="utf-8")
    before = snapshot(project)
    result = tdgen("generate")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"sources/demo.yml:{at}"), errors[0]
    assert message in errors[0], errors[0]
    assert "Traceback" not in result.output + result.stderr
    assert snapshot(project) == before
    assert not (project.parent / "victim").exists()


def test_the_base_spec_is_valid(project, tdgen):
    (project / "sources" / "demo.yml").write_text(BASE, encoding="utf-8")
    assert tdgen("generate", "--dry-run").exit_code == 0
