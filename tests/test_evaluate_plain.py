"""Plain dotted ``${a.b.c}`` answered in Python gives what the JS engine gives, or goes to it.

Both paths are run against each other: over every ``${...}`` in ``workflows/`` and in the
Digdag corpus, with parameters of every kind at every step of the name, and over every render
of real runs of the local engine with its real parameters.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from generator.digdag import evaluate as ev
from generator.digdag.template import expressions

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "digdag"
VALUES = ["x", "", "é 😀 \u2028 \x00", "\ud800", 7, -3, 0, 2**53, -(2**53), 2**53 + 1, 2**60,
          3.0, -0.0, 1.5, 1e21, 1e-7, float("nan"), float("inf"), True, False, None,
          [1, "a", None], [], {"k": 1, "1": 2}, {}]


def js_render(text: str, params: dict) -> str:
    """``render`` with every expression sent to the JS engine."""
    original = ev.plain_value
    ev.plain_value = lambda expr, params: None
    try:
        return ev.render(text, params)
    finally:
        ev.plain_value = original


def outcome(render, text: str, params: dict):
    try:
        return "ok", render(text, params)
    except (ev.EvaluationError, TypeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


def expressions_in(folder: Path, patterns: tuple[str, ...]) -> set[str]:
    found = set()
    for pattern in patterns:
        for path in folder.rglob(pattern):
            found |= {expr for _s, _e, expr in expressions(path.read_text(encoding="utf-8"))}
    return found


def parameter_sets(expr: str):
    """Parameters giving the name every kind of value, and leaving out or breaking each step."""
    match = re.fullmatch(r"\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*", expr, re.ASCII)
    names = match.group(1).split(".") if match else ["a"]

    def nest(depth: int, leaf) -> dict:
        out = leaf
        for name in reversed(names[:depth]):
            out = {name: out, "other": 1}
        return out

    yield {}
    for value in VALUES:
        yield nest(len(names), value)
    for depth in range(1, len(names)):
        for broken in ({}, None, "text", [1]):
            yield nest(depth, broken)


def assert_same(exprs: set[str]) -> int:
    compared = 0
    for expr in sorted(exprs):
        for params in parameter_sets(expr):
            text = f"<${{{expr}}}>"
            assert outcome(ev.render, text, params) == outcome(js_render, text, params), \
                (expr, params)
            compared += 1
    return compared


def test_every_expression_of_the_generated_workflows():
    exprs = expressions_in(REPO / "workflows", ("*.dig", "*.sql", "*.yml"))
    assert any(ev.plain_value(e, {}) is None for e in exprs)
    assert assert_same(exprs) > 500


def test_every_expression_of_the_corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"the Digdag corpus is not at {CORPUS}")
    assert assert_same(expressions_in(CORPUS, ("*.dig", "*.sql", "*.yml"))) > 100


@pytest.mark.parametrize(("expr", "params", "expected"), [
    ("datasource.table_name", {"datasource": {"table_name": "t"}}, "t"),
    (" a ", {"a": True}, "true"),
    ("a.b", {"a": {"b": None}}, ""),
    ("a", {"a": 3.0}, "3"),
])
def test_plain_names_are_answered_in_python(expr, params, expected):
    assert ev.plain_value(expr, params) == expected


@pytest.mark.parametrize(("expr", "params"), [
    ("a", {}), ("a.b", {"a": {}}), ("a.length", {"a": "xyz"}), ("a", {"a": 1.5}),
    ("a", {"a": [1]}), ("a", {"a": {"b": 1}}), ("a", {"a": 2**60}), ("true", {"true": 1}),
    ("a.__proto__", {"a": {"__proto__": 1}}), ("a + 1", {"a": 1}), ("a[0]", {"a": [1]}),
])
def test_everything_else_goes_to_the_js_engine(expr, params):
    assert ev.plain_value(expr, params) is None


def test_an_undefined_name_is_an_error():
    with pytest.raises(ev.EvaluationError, match="ReferenceError"):
        ev.render("${missing.name}", {"other": 1})


def test_every_render_of_real_runs(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from generator.local import interpreter, operators
    from generator.local.simulate import Failure, run_local

    calls: list[tuple[str, dict]] = []

    def record(text, params):
        calls.append((text, copy.deepcopy(params)))
        return ev.render(text, params)

    monkeypatch.setattr(interpreter, "render", record)
    monkeypatch.setattr(operators, "render", record)
    run_local(REPO, "klaviyo", runs=3, start=datetime(2026, 11, 1, tzinfo=UTC),
              failures=[Failure.parse("campaigns@2")], db_path=tmp_path / "l.duckdb",
              fresh=True)
    assert len(calls) > 100
    for text, params in calls:
        assert outcome(ev.render, text, params) == outcome(js_render, text, params), text
