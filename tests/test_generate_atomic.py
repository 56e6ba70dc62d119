"""``tdgen generate`` writes all its files at once or none (issue 10): killed mid-write, a
write error midway, two runs at once, a path that would leave the repository."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.errors import ConfigError
from generator.render import journal
from generator.render.plan import GeneratedFile
from generator.render.writer import compare, inside
from tests.conftest import snapshot

REPO = Path(__file__).resolve().parent.parent
KILL_AFTER = """
import os, signal, sys
from generator.render import journal
calls = [0]
def killing(original):
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == {n}:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return wrapped
{patch}
from generator.cli import main
sys.argv = ["tdgen", "generate", "--quiet", "--root", sys.argv[1]]
main()
"""


def tree(project: Path) -> dict[str, bytes]:
    """The files of the repository, without git-ignored local state (``.tdgen/``)."""
    return {k: v for k, v in snapshot(project).items() if not k.startswith(".tdgen/")}


def _remove_generated(project: Path) -> None:
    for folder in ("workflows/config", "workflows/sql"):
        for file in (project / folder).iterdir():
            file.unlink()


def _run_killed(project: Path, n: int, patch: str) -> subprocess.CompletedProcess:
    code = KILL_AFTER.replace("{n}", str(n)).replace("{patch}", patch)
    return subprocess.run([sys.executable, "-c", code, str(project)], cwd=REPO, timeout=120,
                          capture_output=True, text=True, check=False)


def _generate(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "tdgen"), "generate", "--quiet",
                           *args, "--root", str(project)], timeout=120, capture_output=True,
                          text=True, check=False)


def test_killed_after_the_commit_the_next_run_completes_the_change(project):
    expected = tree(project)
    _remove_generated(project)
    patch = ("import types; journal.os = types.SimpleNamespace(**{**vars(os), "
             "'replace': killing(os.replace)})")
    done = _run_killed(project, 10, patch)
    assert done.returncode == -9, done.stderr
    assert journal.interrupted(project)
    from generator.checks.spec import check_repository

    drift = [f for f in check_repository(project) if f.rule == "spec-drift"]
    assert any(f.path == journal.JOURNAL for f in drift)  # check and push fail on it
    assert _generate(project, "--check").returncode == 1
    assert _generate(project).returncode == 0
    assert tree(project) == expected
    assert not (project / journal.JOURNAL).exists()


def test_killed_while_staging_the_tree_is_untouched(project):
    _remove_generated(project)
    before = tree(project)
    done = _run_killed(project, 20, "journal._write = killing(journal._write)")
    assert done.returncode == -9, done.stderr
    assert tree(project) == before
    assert not journal.interrupted(project)
    assert _generate(project).returncode == 0
    assert not (project / journal.JOURNAL).exists()


def test_a_write_error_midway_changes_nothing(project, tdgen, monkeypatch):
    _remove_generated(project)
    before = tree(project)
    original, calls = journal._write, [0]

    def full_disk(target, text):
        calls[0] += 1
        if calls[0] == 30:
            raise OSError(28, "No space left on device", str(target))
        original(target, text)

    monkeypatch.setattr(journal, "_write", full_disk)
    result = tdgen("generate")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.output
    assert tree(project) == before
    assert not (project / journal.JOURNAL).exists()


def test_a_folder_that_cannot_be_written_is_refused_before_anything_changes(project, tdgen,
                                                                             monkeypatch):
    _remove_generated(project)
    before = tree(project)
    read_only = project / "workflows" / "sql"
    monkeypatch.setattr(journal.os, "access", lambda path, mode: Path(path) != read_only)
    result = tdgen("generate")
    assert result.exit_code == 2 and "nothing was changed" in result.stderr
    assert str(read_only) in result.stderr
    assert tree(project) == before


def test_a_second_run_waits_then_refuses_with_a_message(project, tdgen, monkeypatch):
    _remove_generated(project)
    monkeypatch.setattr(journal, "LOCK_WAIT", 0.2)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with journal.locked(project):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(10)
    try:
        result = tdgen("generate")
    finally:
        release.set()
        thread.join()
    assert result.exit_code == 2
    assert "another `tdgen generate` is writing" in result.stderr


def test_two_runs_at_once_never_crash_and_leave_the_tree_in_sync(project):
    expected = tree(project)
    _remove_generated(project)
    runs = [subprocess.Popen([str(Path(sys.executable).parent / "tdgen"), "generate",
                              "--quiet", "--root", str(project)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode in (0, 2), err
        assert "Traceback" not in out + err
    assert _generate(project).returncode == 0
    assert tree(project) == expected


def test_leftover_temporary_files_are_removed_and_check_configs_kept(project, tdgen):
    (project / "workflows" / ".tdgen-ab12cd34").write_text("half")
    (project / "workflows" / ".tdgen-check.yml").write_text("style: false\n")
    assert tdgen("generate").exit_code == 0
    assert not (project / "workflows" / ".tdgen-ab12cd34").exists()
    assert (project / "workflows" / ".tdgen-check.yml").exists()


@pytest.mark.parametrize("path", ["../victim/prod_load.yml", "/tmp/x.yml",
                                  "workflows/../../x.yml", "workflows\\..\\x", "a\nb", ""])
def test_a_path_outside_the_repository_is_refused(project, path):
    with pytest.raises(ConfigError, match="refused"):
        inside(project, path)
    with pytest.raises(ConfigError):
        compare(project, [GeneratedFile(path, "x\n", "sources/x.yml")])


def test_a_symbolic_link_out_of_the_repository_is_refused(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "workflows" / "linked").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside the repository"):
        inside(project, "workflows/linked/x.yml")
    assert inside(project, "workflows/config/x.yml") == project / "workflows/config/x.yml"
