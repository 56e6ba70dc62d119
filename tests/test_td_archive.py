"""The project archive is what `digdag push` would upload: same files left out, modes, links."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from generator.td.archive import ArchiveError, build_archive, project_entries
from generator.td.ignore import is_ignored, parse_rules


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: m for m in tar.getmembers()}


def names(folder: Path) -> list[str]:
    return [e.name for e in project_entries(folder)]


def test_dot_files_and_dot_folders_are_left_out_at_any_depth(tmp_path):
    tree(tmp_path, {"a.dig": "", ".env": "", "config/.secret.yml": "", "config/db.yml": "",
                    ".digdag/state": "", "sql/.hidden/x.sql": "", "sql/q.sql": ""})
    assert names(tmp_path) == ["a.dig", "config/db.yml", "sql/q.sql"]


def test_digdagignore_patterns(tmp_path):
    tree(tmp_path, {
        ".digdagignore": "# scratch files\n*.log\n/notes.md\ntmp/\ndocs/**\n"
                         "sql/**/draft_*.sql\n*.bak\n!keep.bak\n",
        "a.dig": "", "run.log": "", "config/x.log": "", "notes.md": "", "config/notes.md": "",
        "tmp/t.sql": "", "config/tmp/t.yml": "", "docs/a/b.md": "", "sql/draft_1.sql": "",
        "sql/x/draft_2.sql": "", "sql/final.sql": "", "old.bak": "", "keep.bak": "",
    })
    assert names(tmp_path) == ["a.dig", "config/notes.md", "keep.bak", "sql/final.sql"]


def test_a_file_under_an_ignored_folder_cannot_be_included_again(tmp_path):
    tree(tmp_path, {".digdagignore": "build/\n!build/keep.sql\n", "build/keep.sql": "",
                    "a.dig": ""})
    assert names(tmp_path) == ["a.dig"]


def test_a_digdagignore_below_the_root_is_only_a_dot_file(tmp_path):
    tree(tmp_path, {"sub/.digdagignore": "*.sql\n", "sub/a.sql": ""})
    assert names(tmp_path) == ["sub/a.sql"]


@pytest.mark.parametrize("pattern, path, is_dir, ignored", [
    ("*.log", "a/b/c.log", False, True),
    ("/build", "x/build", True, False),
    ("build/", "build", False, False),  # a trailing slash matches folders only
    ("doc/*.txt", "doc/x/a.txt", False, False),  # '*' does not cross '/'
    ("**/tmp", "a/b/tmp", True, True),
    ("a/**/b", "a/b", False, True),
    ("a/**/b", "a/x/y/b", False, True),
    ("fo?.yml", "fooo.yml", False, False),
    ("[!ab]*.dig", "c.dig", False, True),
    ("[!ab]*.dig", "a.dig", False, False),
    ("\\!x", "!x", False, True),
    ("\\#y", "#y", False, True),
    ("trail   ", "trail", False, True),
])
def test_gitignore_rules(pattern, path, is_dir, ignored):
    """Each answer is git's (checked with `git check-ignore`) for the same pattern and path."""
    assert is_ignored(parse_rules(pattern), path, is_dir) is ignored


def test_folders_are_not_entries_and_modes_are_kept(tmp_path):
    tree(tmp_path, {"a.dig": "x", "scripts/run.sh": "#!/bin/sh\n", "empty/.keep": ""})
    (tmp_path / "scripts/run.sh").chmod(0o750)
    (tmp_path / "a.dig").chmod(0o640)
    (tmp_path / "lonely").mkdir()
    got = members(build_archive(tmp_path).data)
    assert sorted(got) == ["a.dig", "scripts/run.sh"]
    assert got["scripts/run.sh"].mode == 0o750 and got["a.dig"].mode == 0o640
    assert all(m.isfile() for m in got.values())


def test_the_archive_holds_the_bytes_and_is_reproducible(tmp_path):
    tree(tmp_path, {"a.dig": "+task:\n  echo>: hi\n", "sql/q.sql": "SELECT 1\n"})
    first, second = build_archive(tmp_path), build_archive(tmp_path)
    assert first.data == second.data
    with tarfile.open(fileobj=io.BytesIO(first.data), mode="r:gz") as tar:
        assert tar.extractfile("sql/q.sql").read() == b"SELECT 1\n"
    assert first.content_size == len("+task:\n  echo>: hi\n") + len("SELECT 1\n")
    assert first.size == len(first.data)


def test_a_link_inside_the_project_is_stored_as_a_link_and_not_followed(tmp_path):
    tree(tmp_path, {"config/db.yml": "x: 1\n", "sql/q.sql": "SELECT 1\n"})
    (tmp_path / "config/alias.yml").symlink_to("db.yml")
    (tmp_path / "queries").symlink_to(tmp_path / "sql")  # absolute, to a folder inside
    got = members(build_archive(tmp_path).data)
    assert sorted(got) == ["config/alias.yml", "config/db.yml", "queries", "sql/q.sql"]
    assert got["config/alias.yml"].issym() and got["config/alias.yml"].linkname == "db.yml"
    assert got["queries"].issym() and got["queries"].linkname == "sql"


def test_a_link_pointing_outside_the_project_is_an_error(tmp_path):
    project = tree(tmp_path / "workflows", {"a.dig": ""})
    (tmp_path / "outside.yml").write_text("x")
    (project / "config").mkdir()
    (project / "config/creds.yml").symlink_to(os.path.join("..", "..", "outside.yml"))
    with pytest.raises(ArchiveError, match="config/creds.yml: the symbolic link points "
                                           "outside the project"):
        build_archive(project)


def test_an_ignored_outside_link_is_not_an_error(tmp_path):
    project = tree(tmp_path / "workflows", {"a.dig": "", ".digdagignore": "local/\n"})
    (project / "local").symlink_to(tmp_path)
    assert names(project) == ["a.dig"]


def test_the_generated_project_archives_every_generated_file():
    repo = Path(__file__).resolve().parent.parent
    workflows = repo / "workflows"
    expected = sorted(p.relative_to(workflows).as_posix() for p in workflows.rglob("*")
                      if p.is_file() and not any(part.startswith(".")
                                                 for part in p.relative_to(workflows).parts))
    assert sorted(names(workflows)) == expected
