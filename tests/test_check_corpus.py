"""tdgen check on real Digdag projects: the corpus, and the corpus broken one rule at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.checks import check_digdag_project
from generator.cli import cli

# shared/ sits beside the repository (CI clones it so too); a bare clone skips these tests.
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "digdag"
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the Digdag corpus is not beside the repository ({CORPUS})")


def projects() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    found = []
    for folder in sorted([CORPUS / "examples", *sorted((CORPUS / "acceptance").rglob("*"))]):
        if folder.is_dir() and list(folder.glob("*.dig")):
            found.append(folder)
    return found


PROJECTS = projects()


def test_the_corpus_is_there():
    assert len(PROJECTS) >= 12


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: str(p.relative_to(CORPUS)))
def test_valid_projects_give_no_error(folder):
    errors = [f for f in check_digdag_project(folder, style=False) if f.level == "error"]
    assert errors == []


INVALID = {  # file -> (line, rule, words of Digdag's own failure)
    "after_without_parallel.dig": (6, "digdag/after", "Setting \"_after\" option is invalid"),
    "background_with_parallel.dig": (8, "digdag/background",
                                     "Setting \"_background: true\" option is invalid"),
    "invalid_parallel_variable_loop.dig": (6, "digdag/parallel",
                                           "Expected 'true' or 'false' for key '_parallel'"),
    "invalid_secret_use.dig": (5, "expr/undefined", "\"key1\" is not defined"),
    "td_wait_bad_query.dig": (4, "sql/syntax", "found: nasdaq"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_files_are_reported_as_digdag_reports_them(name, tmp_path):
    shutil.copy(CORPUS / "invalid" / name, tmp_path / name)
    errors = [f for f in check_digdag_project(tmp_path, style=False) if f.level == "error"]
    line, rule, words = INVALID[name]
    assert [(f.line, f.rule) for f in errors] == [(line, rule)]
    assert words in errors[0].message


MUTATIONS = {  # name -> (appended text, line offset of the finding, rule)
    "duplicate task": ("+dup_x:\n  echo>: a\n+dup_x:\n  echo>: b\n", 3, "digdag/load"),
    "unknown top-level key": ("meta_info: x\n", 1, "digdag/top-level-key"),
    "bad task name": ("+bad name:\n  echo>: a\n", 1, "digdag/task-name"),
    "parameter on a group": ("+grp:\n  database: db\n  +c:\n    echo>: a\n", 2,
                             "digdag/group-key"),
    "missing SQL file": ("+q:\n  td>: missing_query.sql\n  database: db\n", 2, "digdag/file"),
    "include with ..": ("+inc:\n  !include : '../outside.dig'\n", 2, "digdag/load"),
    "for_each without _do": ("+fe:\n  for_each>: {x: [1]}\n", 2, "digdag/do-required"),
    "two operators": ("+two:\n  echo>: a\n  sh>: b\n", 3, "digdag/operators"),
    "operator with subtasks": ("+op:\n  echo>: a\n  +sub:\n    echo>: b\n", 3,
                               "digdag/subtasks"),
    "unclosed ${": ("+uc:\n  echo>: ${oops\n", 2, "expr/unclosed"),
    "YAML syntax error": ("+ys:\n  echo>: [a, b\n", 3, "digdag/load"),
    "missing included file": ("+mi:\n  !include : 'no_such_file.dig'\n", 2, "digdag/load"),
}


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: str(p.relative_to(CORPUS)))
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_one_broken_rule_fails_the_check(folder, mutation, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(folder, copy)
    target = sorted(copy.glob("*.dig"))[0]
    text = target.read_text()
    text = text if text.endswith("\n") else text + "\n"
    appended, offset, rule = MUTATIONS[mutation]
    target.write_text(text + appended)
    line = text.count("\n") + offset
    result = CliRunner().invoke(cli, ["check", str(copy), "--no-style"])
    assert result.exit_code == 1, result.output
    assert f"{copy}/{target.name}:{line}:" in result.output, result.output
    assert f"[{rule}]" in result.output
