"""Fuzzing specs and ``.dig`` files (issue 10): whatever the bytes, the exit code is 0, 1 or 2,
every error names ``file:line:column``, there is no traceback, and a refused spec writes
nothing. Derandomized (the same examples in every CI run) and small enough to stay fast."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import cli
from tests.conftest import copy_project, snapshot
from tests.test_hostile_specs import BASE

SETTINGS = settings(derandomize=True, database=None, max_examples=40, deadline=None,
                    suppress_health_check=list(HealthCheck))
POSITION = re.compile(r"^[^:\n]+:\d+:\d+: (error|warning): ", re.M)
DIG = ("timezone: UTC\n+load:\n  td>: sql/q.sql\n  database: db\n_error:\n"
       "  echo>: ${error.message}\n")
# pieces of YAML that break things: tags, anchors, flow syntax, control characters, Digdag
PIECES = ["!!python/object:os.system", "!!int", "!<tag:x>", "&a", "*a", "<<: ", "[", "]", "{",
          "}", ": ", "- ", "\n", "\n  ", "\x00", "\x1b", "\t", "#", "'", '"', "${secret:x}",
          "!include : ", "..", "/", "\\", "é", "\u2028", "%", "@", "`", "|", ">", "?", "~"]


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few pieces inserted, lines dropped or characters replaced."""
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if action == "insert":
            piece = draw(st.sampled_from(PIECES) | st.text(max_size=6))
            text = text[:where] + piece + text[where:]
        elif action == "delete":
            text = text[:where] + text[where + draw(st.integers(1, 20)):]
        else:
            text = text[:where] + text[where:where + 30] * draw(st.integers(2, 5)) + text[where:]
    return text


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("fuzz") / "repo")


def _clean(output: str) -> None:
    assert "Traceback" not in output, output
    for line in output.splitlines():
        if ": error: " in line:
            assert POSITION.match(line), line


@SETTINGS
@given(text=mutated(BASE))
def test_a_mutated_spec_never_breaks_generate(repo, text):
    spec = repo / "sources" / "demo.yml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = snapshot(repo)
    result = CliRunner().invoke(cli, ["generate", "--quiet", "--root", str(repo)],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    _clean(result.output)
    if result.exit_code == 2:
        assert snapshot(repo) == before  # refused: nothing written
    spec.unlink()
    if result.exit_code != 2:  # it was valid: generate again without it
        CliRunner().invoke(cli, ["generate", "--quiet", "--root", str(repo)])


@SETTINGS
@given(text=mutated(DIG))
def test_a_mutated_workflow_never_breaks_check(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("dig")
    (folder / "sql").mkdir()
    (folder / "sql" / "q.sql").write_text("SELECT 1\n")
    (folder / "wf.dig").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(cli, ["check", str(folder), "--no-style"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    _clean(result.output)
    shutil.rmtree(folder)
