"""The SQL check parses without Jinja masking only where masking would change nothing.

Every query the check judges (generated workflows and the Digdag corpus) is validated both
ways, with masking (``jinja="auto"``, the validator's default) and as the check does, and the
two results must be equal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trino_sql_validator as tsv

from generator.checks import sql

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "digdag"


def corpus_projects() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted({p.parent for p in CORPUS.rglob("*.dig")})


@pytest.fixture
def compared(monkeypatch) -> list[str]:
    """Every SQL text the check validates; each is validated both ways and compared."""
    seen: list[str] = []
    original = tsv.validate

    def both(text: str, **options):
        result = original(text, **options)
        assert result == original(text), text
        seen.append(text)
        return result

    monkeypatch.setattr(tsv, "validate", both)
    return seen


def test_generated_queries_give_the_same_result_unmasked(compared):
    sql.check_project(REPO / "workflows")
    assert len(compared) > 20


def test_corpus_queries_give_the_same_result_unmasked(compared):
    if not corpus_projects():
        pytest.skip(f"the Digdag corpus is not at {CORPUS}")
    for folder in corpus_projects():
        sql.check_project(folder)
    assert compared


@pytest.mark.parametrize("text", ["SELECT 1", "SELECT '{' || '}' AS braces",
                                  "SELECT a FROM t WHERE b = '#'"])
def test_no_jinja_tag_means_no_masking(text):
    assert sql.jinja_mode(text) == "reject"
    assert tsv.validate(text, jinja="reject") == tsv.validate(text)


@pytest.mark.parametrize("text", ["SELECT {{ col }} FROM t", "{% if x %}SELECT 1{% endif %}",
                                  "SELECT 1 {# note #}", "SELECT '{{' AS x"])
def test_a_jinja_tag_keeps_the_masking(text):
    assert sql.jinja_mode(text) == "auto"
