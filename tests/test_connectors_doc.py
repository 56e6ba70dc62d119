"""docs/connectors.md: generated from the catalog, in sync, a source for every fact."""

from __future__ import annotations

import re
from pathlib import Path

from generator import catalog

REPO = Path(__file__).resolve().parents[1]


def sections() -> dict[str, str]:
    text = (REPO / "docs" / "connectors.md").read_text()
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts}


def test_every_connector_has_a_section_with_its_facts_and_required_parameters():
    found = sections()
    assert set(found) == set(catalog.CONNECTORS)
    for name, c in catalog.CONNECTORS.items():
        section = found[name]
        for fact in c.facts.values():
            assert fact.source.split()[0] in section, (name, fact)
        for param, p in c.params.items():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{param}`"))
            assert row.split(" | ")[1] == ("yes" if p.required else "no"), (name, param, row)
            if p.required:
                assert p.source and "| — |" not in row, (name, param)


def test_every_fact_row_says_its_confidence():
    for section in sections().values():
        rows = [line for line in section.splitlines() if " — " in line and line.startswith("| ")
                and not line.startswith("| `")]
        assert rows and all(re.search(r"\((un)?confirmed\) \|$", r) for r in rows), rows


def test_table_cells_escape_pipes():
    zendesk = sections()["zendesk"]
    row = next(line for line in zendesk.splitlines() if line.startswith("| `auth_method`"))
    assert r"basic \| token \| oauth" in row and len(re.findall(r"(?<!\\)\|", row)) == 7


def test_the_doc_is_in_sync(tdgen):
    assert tdgen("generate", "--check").exit_code == 0
