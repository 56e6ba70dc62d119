"""The yamllint findings cache: an unchanged file is not linted again, and a stale entry never
answers for other bytes or another configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.checks import check_digdag_project, check_repository
from generator.checks import style
from generator.checks.runner import CACHE

SPACES = "+t:\n  echo>: 'yes'   \n"      # trailing spaces: one finding
CLEAN = "+t:\n  echo>: 'yes'\n"


@pytest.fixture(autouse=True)
def _yamllint():
    if style.yamllint_command() is None:
        pytest.fail("yamllint is a dependency: it must be installed")


@pytest.fixture
def linted(monkeypatch) -> list[set[str]]:
    """The files yamllint was given, per check (one set per ``Lint``)."""
    calls: list[set[str]] = []
    init, spawn = style.Lint.__init__, style.Lint._spawn

    def start(self, *args):
        calls.append(set())
        init(self, *args)

    def record(self, command, root, share):
        calls[-1].update(share)
        spawn(self, command, root, share)

    monkeypatch.setattr(style.Lint, "__init__", start)
    monkeypatch.setattr(style.Lint, "_spawn", record)
    return calls


def style_findings(root: Path, **options) -> list[str]:
    return [f"{f.path}:{f.line}:{f.column} {f.rule}"
            for f in check_repository(root, select=["style"], **options)]


def test_an_unchanged_file_is_not_linted_again(project, linted):
    (project / "workflows" / "extra.dig").write_text(SPACES)
    first = style_findings(project)
    assert "workflows/extra.dig:2:15 style/trailing-spaces" in first
    assert (project / CACHE).is_dir()
    assert style_findings(project) == first
    assert "extra.dig" in linted[0]
    assert linted[1] == set()  # the second check linted nothing


def test_an_edited_file_is_linted_again(project, linted):
    extra = project / "workflows" / "extra.dig"
    extra.write_text(SPACES)
    assert "workflows/extra.dig:2:15 style/trailing-spaces" in style_findings(project)
    extra.write_text(CLEAN)
    assert not [f for f in style_findings(project) if f.startswith("workflows/extra.dig")]
    assert linted[1] == {"extra.dig"}
    extra.write_text(SPACES)  # back to bytes linted before: answered from the cache
    assert "workflows/extra.dig:2:15 style/trailing-spaces" in style_findings(project)
    assert linted[2] == set()


def test_another_configuration_is_not_answered_from_the_cache(project, monkeypatch, linted):
    (project / "workflows" / "extra.dig").write_text("+t:\n  echo>: '" + "yes " * 10 + "'\n")
    assert not [f for f in style_findings(project) if "line-length" in f]
    monkeypatch.setattr(style, "CONFIG", style.CONFIG.replace("max: 200", "max: 20"))
    assert "workflows/extra.dig:2:21 style/line-length" in style_findings(project)
    assert linted[1] == linted[0]


def test_no_cache_lints_everything_and_writes_nothing(project, linted):
    (project / "workflows" / "extra.dig").write_text(SPACES)
    first = style_findings(project, cache=False)
    assert not (project / CACHE).exists()
    assert style_findings(project, cache=False) == first
    assert linted[1] == linted[0]


def test_the_cache_gives_the_findings_of_a_full_lint(project):
    (project / "workflows" / "extra.dig").write_text(SPACES)
    (project / "workflows" / "broken.yml").write_text("a: [1\n")
    full = style_findings(project, cache=False)
    assert style_findings(project) == full   # cold: linted and written
    assert style_findings(project) == full   # warm: read back


def test_a_corrupt_cache_is_ignored(project):
    (project / "workflows" / "extra.dig").write_text(SPACES)
    full = style_findings(project, cache=False)
    (project / CACHE).mkdir(parents=True)
    for name in ("yamllint-0.json", *(p.name for p in (project / CACHE).iterdir())):
        (project / CACHE / name).write_text("{not json")
    assert style_findings(project) == full
    assert json.loads(next((project / CACHE).iterdir()).read_text())


def test_a_folder_outside_a_repository_writes_no_cache(tmp_path):
    (tmp_path / "w.dig").write_text(SPACES)
    assert [f.rule for f in check_digdag_project(tmp_path, select=["style"])] == \
        ["style/trailing-spaces"]
    assert not list(tmp_path.rglob("*.json"))


def test_the_command_line_caches_unless_told_not_to(project):
    from click.testing import CliRunner

    from generator.cli import cli

    for args, cached in ((["--no-cache"], False), ([], True)):
        result = CliRunner().invoke(cli, ["check", "--root", str(project), *args])
        assert result.exit_code == 0, result.output
        assert (project / CACHE).exists() == cached


def test_entries_of_other_content_are_kept_until_the_limit(project, monkeypatch):
    extra = project / "workflows" / "extra.dig"
    extra.write_text(SPACES)
    style_findings(project)
    (cache,) = (project / CACHE).iterdir()
    used = set(json.loads(cache.read_text()))
    extra.write_text(CLEAN)
    style_findings(project)
    assert used < set(json.loads(cache.read_text()))  # the old bytes' entry is kept
    stale = {f"{i:064x}": [[1, 1, "style/x", "stale"]] for i in range(1000)}
    cache.write_text(json.dumps({**json.loads(cache.read_text()), **stale}))
    monkeypatch.setattr(style.FindingsCache, "LIMIT", 1)
    extra.write_text(SPACES + "\n")
    found = style_findings(project)
    assert "workflows/extra.dig:3:1 style/empty-lines" in found
    assert not set(stale) & set(json.loads(cache.read_text()))  # dropped: over the limit
    assert len(json.loads(cache.read_text())) == len(used)  # what this check used


def test_an_entry_of_the_wrong_shape_is_not_used(project):
    (project / "workflows" / "extra.dig").write_text(SPACES)
    full = style_findings(project, cache=False)
    style_findings(project)
    (cache,) = (project / CACHE).iterdir()
    entries = json.loads(cache.read_text())
    cache.write_text(json.dumps({digest: [[1, 2]] if found else {"x": 1}
                                 for digest, found in entries.items()}))
    assert style_findings(project) == full
