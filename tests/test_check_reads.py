"""One pass of checks reads each file once: shared includes, shared workflows, yamllint split.

These prove the caches change nothing: the same data, positions and findings as reading every
file afresh.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import style
from generator.checks.files import ProjectFiles
from generator.checks.runner import run_project
from generator.digdag.reader import DigLoadError, ReadCache, load_dig

COMMON = """\
td:
  database: src
  engine: presto
ids:
  a: {default: 360001}
"""
FLOW = """\
timezone: UTC
_export:
  !include : config/common.yml
  !include : config/more.yml
  name: {name}
+load:
  td>: sql/q.sql
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {"config/common.yml": COMMON, "config/more.yml": "td:\n  priority: 1\n",
             "sql/q.sql": "SELECT 1\n"}
    files |= {f"flow_{i}.dig": FLOW.format(name=i) for i in range(3)}
    return write(tmp_path, files)


def shape(dig):
    return dig.data, dig.values, dig.keys, dig.includes


def test_a_shared_include_loads_as_if_read_afresh(project):
    reads = ReadCache()
    for i in range(3):
        cached = load_dig(project, f"flow_{i}.dig", reads)
        assert shape(cached) == shape(load_dig(project, f"flow_{i}.dig"))
    assert list(reads.nodes) == ["flow_0.dig", "config/common.yml", "config/more.yml",
                                 "flow_1.dig", "flow_2.dig"]
    cached = load_dig(project, "flow_2.dig", reads)
    assert cached.data["_export"]["td"] == {"database": "src", "engine": "presto", "priority": 1}
    assert cached.where(("_export", "ids", "a", "default")) == ("config/common.yml", 5, 16)


def test_merging_an_include_never_changes_the_shared_data(project):
    reads = ReadCache()
    for i in range(3):  # each merges more.yml's td: into common.yml's
        load_dig(project, f"flow_{i}.dig", reads)
    common = reads.built[("config/common.yml", ("_export",))][0]
    assert common == {"td": {"database": "src", "engine": "presto"},
                      "ids": {"a": {"default": 360001}}}


def test_an_include_cycle_is_still_reported_with_a_cache(tmp_path):
    write(tmp_path, {"config/a.yml": "x: 1\n", "config/b.yml": "!include : a.yml\n",
                     "one.dig": "_export:\n  !include : config/b.yml\n+t:\n  echo>: hi\n",
                     "config/c.yml": "!include : b.yml\n",
                     "config/cyc.yml": "!include : cyc2.yml\n",
                     "config/cyc2.yml": "!include : cyc.yml\n",
                     "two.dig": "_export:\n  !include : config/cyc.yml\n+t:\n  echo>: hi\n"})
    reads = ReadCache()
    assert load_dig(tmp_path, "one.dig", reads).data["_export"] == {"x": 1}
    with pytest.raises(DigLoadError, match="cycle"):
        load_dig(tmp_path, "two.dig", reads)


def test_project_files_load_each_workflow_once(project, monkeypatch):
    files = ProjectFiles(project)
    loads = []
    import generator.checks.files as rules

    real = rules.load_workflow
    monkeypatch.setattr(rules, "load_workflow", lambda *a: loads.append(a[1]) or real(*a))
    assert [rel for rel, _ in files.workflows()] == ["flow_0.dig", "flow_1.dig", "flow_2.dig"]
    assert [rel for rel, _ in files.workflows()] == ["flow_0.dig", "flow_1.dig", "flow_2.dig"]
    assert loads == ["flow_0.dig", "flow_1.dig", "flow_2.dig"]
    assert files.text("sql/q.sql") == "SELECT 1\n" and files.text("sql/none.sql") is None


def test_yamllint_split_between_processes_finds_the_same(tmp_path, monkeypatch):
    if style.yamllint_command() is None:
        pytest.fail("yamllint is a dependency: it must be installed")
    files = {f"config/c{i:03d}.yml": f"key: {i}\nother:   [1,2]\n" for i in range(12)}
    files |= {f"w{i}.dig": "+t:\n  echo>: 'yes'   \n" for i in range(5)}
    write(tmp_path, files)
    monkeypatch.setattr(style.Lint, "FILES_PER_PROCESS", 10_000)
    one = sorted(style.check_project(tmp_path))
    monkeypatch.setattr(style.Lint, "FILES_PER_PROCESS", 1)
    monkeypatch.setattr(style.os, "cpu_count", lambda: 4)
    lint = style.start(tmp_path)
    assert len(lint.runs) == 4
    assert sorted(lint.findings()) == one
    assert {f.path for f in one} == set(files)  # every file had a finding: all were linted
    assert sorted(run_project(tmp_path)) == sorted(set(run_project(tmp_path)))
