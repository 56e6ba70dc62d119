"""The local Digdag interpreter: Digdag's rules on small workflows, and ${...} evaluation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.digdag.evaluate import EvaluationError, render
from generator.local.interpreter import Interpreter, Session
from generator.local.simulate import Services
from generator.local.sql.engine import SqlEngine


# ---- ${...} as Digdag evaluates it ---------------------------------------------------------
def test_an_undefined_variable_fails():
    with pytest.raises(EvaluationError, match=r"Failed to evaluate a variable \$\{nope\}"):
        render("${nope}", {})


def test_a_missing_field_of_an_existing_object_is_empty():
    assert render("[${a.missing}]", {"a": {"b": 1}}) == "[]"


def test_a_field_of_a_missing_field_fails():
    with pytest.raises(EvaluationError, match="TypeError"):
        render("${a.missing.deeper}", {"a": {}})


def test_results_are_strings():
    params = {"n": 1, "b": True, "xs": [1, "a"], "o": {"k": None}, "z": None}
    assert render("${n + 1}|${b}|${xs}|${o}|${z}|${'s'}", params) == \
        '2|true|[1,"a"]|{"k":null}||s'


def test_dollar_dollar_and_secrets_and_unclosed():
    assert render("$$HOME ${secret:k} ${x", {"x": 1}) == "$HOME ${secret:k} ${x"


# ---- the interpreter -----------------------------------------------------------------------
def project(tmp_path: Path, dig: str, files: dict | None = None) -> Path:
    (tmp_path / "wf.dig").write_text(dig)
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def run(folder: Path, workflow: str = "wf.dig"):
    lines: list[str] = []
    engine = SqlEngine(":memory:")
    services = Services(engine, None, {}, [])
    session = Session(datetime(2026, 11, 22, tzinfo=UTC), 5, 1)
    attempt = Interpreter(folder, services, session, echo=lines.append).run(workflow)
    return attempt, lines, engine


def echoed(lines):
    messages = [line.split(": ", 1)[1] for line in lines if ": " in line]
    return [m for m in messages if not m.startswith(("error: ", "retry "))]


def test_sequential_failure_blocks_later_siblings_and_runs_error(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
+a:
  echo>: one
+b:
  fail>: broken ${session_date}
  _error:
    +log:
      echo>: "caught: ${error.message}"
+c:
  echo>: never
_error:
  +top:
    echo>: "workflow: ${error.message}"
"""))
    assert not attempt.success
    assert echoed(lines) == ["one", "caught: broken 2026-11-22", "workflow: broken 2026-11-22"]


def test_parallel_limit_runs_in_barrier_chunks(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
+g:
  _parallel: {limit: 2}
  +a:
    echo>: a
  +b:
    fail>: b failed
  +c:
    echo>: c
"""))
    assert not attempt.success
    assert echoed(lines) == ["a"]  # c is in the next chunk: never started


def test_parallel_branches_do_not_see_each_others_stores(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
_export:
  td: {database: db}
+g:
  _parallel: true
  +a:
    td>:
    query: SELECT 'a' AS v
    store_last_results: true
  +b:
    echo>: "b sees ${typeof td.last_results === 'undefined' ? 'nothing' : td.last_results.v}"
+after:
  echo>: "after sees ${td.last_results.v}"
"""))
    assert attempt.success, attempt.error
    assert echoed(lines) == ["b sees nothing", "after sees a"]


def test_export_in_if_do_does_not_leak_and_store_does(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
_export:
  td: {database: db}
  x: outer
+cond:
  if>: true
  _do:
    _export:
      x: inner
    +in:
      echo>: ${x}
    +q:
      td>:
      query: SELECT 42 AS answer
      store_last_results: true
+next:
  echo>: ${x} ${td.last_results.answer}
"""))
    assert attempt.success, attempt.error
    assert echoed(lines) == ["inner", "outer 42"]


def test_group_retry_runs_the_children_again(tmp_path):
    attempt, lines, engine = run(project(tmp_path, """
_export:
  td: {database: db}
+create:
  td>:
  query: CREATE TABLE IF NOT EXISTS db.tries (n bigint)
+g:
  _retry: 2
  +count:
    td>:
    query: INSERT INTO db.tries (n) VALUES (1)
  +check:
    td>:
    query: SELECT count(*) AS n FROM db.tries
    store_last_results: true
  +gate:
    if>: ${td.last_results.n < 3}
    _do:
      fail>: only ${td.last_results.n}
"""))
    assert attempt.success, attempt.error
    assert [line for line in lines if ": retry " in line][-1].endswith("only 2")
    assert len(engine.table_rows("db", "tries")) == 3


def test_for_each_is_a_cartesian_product_in_key_order(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
+loop:
  for_each>:
    a: [1, 2]
    b: '["x", "y"]'
  _do:
    echo>: ${a}${b}
"""))
    assert attempt.success
    assert echoed(lines) == ["1x", "1y", "2x", "2y"]


def test_call_uses_the_called_files_folder(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
+sub:
  call>: common/child
""", {"common/child.dig": "_export:\n  who: child\n+hi:\n  td>: q.sql\n  database: db\n"
                          "  store_last_results: true\n+say:\n"
                          "  echo>: ${who} ${td.last_results.v}\n",
      "common/q.sql": "SELECT 'from common' AS v\n"}))
    assert attempt.success, attempt.error
    assert echoed(lines) == ["child from common"]


def test_an_undefined_variable_fails_the_task(tmp_path):
    attempt, lines, _ = run(project(tmp_path, "+a:\n  echo>: ${no_such}\n"))
    assert not attempt.success
    assert "Failed to evaluate a variable ${no_such}" in attempt.error


def test_an_operator_it_does_not_model_fails_clearly(tmp_path):
    attempt, _, _ = run(project(tmp_path, "+a:\n  sh>: echo hi\n"))
    assert not attempt.success
    assert "sh> is not modelled by the local engine" in attempt.error


def test_store_last_results_resets_and_missing_results_persist(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
_export:
  td: {database: db}
+one:
  td>:
  query: SELECT 1 AS a, 2 AS b
  store_last_results: true
+two:
  td>:
  query: SELECT 3 AS a
  store_last_results: true
+three:
  td>:
  query: SELECT 9 AS a
+show:
  echo>: ${td.last_results.a} [${td.last_results.b}]
"""))
    assert attempt.success, attempt.error
    assert echoed(lines) == ["3 []"]


def test_builtin_session_variables(tmp_path):
    attempt, lines, _ = run(project(tmp_path, """
timezone: Asia/Tokyo
+a:
  echo>: ${session_time} ${session_date_compact} ${session_unixtime} ${session_id} ${attempt_id}
"""))
    assert attempt.success
    assert echoed(lines) == ["2026-11-22T09:00:00+09:00 20261122 1795305600 5 1"]
