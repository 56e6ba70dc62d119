"""``.digdagignore`` and links as Digdag (JGit 5.11 ``IgnoreNode``, Digdag's ``Archiver``)
treats them: a table of cases restating, in our own words, what JGit's ignore tests assert."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.td.archive import build_archive, project_entries
from generator.td.ignore import is_ignored, parse_rules

# (pattern, path, is a folder, ignored?) -- each row a fact from JGit's ignore behaviour
CASES = [
    # POSIX classes inside brackets
    ("[[:alpha:]]*", "abc", False, True),
    ("[[:alpha:]]*", "1bc", False, False),
    ("[[:alpha:]]*", "ébc", False, True),  # Java letters are Unicode letters
    ("[[:digit:]].sql", "7.sql", False, True),
    ("[[:digit:]].sql", "x.sql", False, False),
    ("[[:alnum:]]x", "Zx", False, True),
    ("[[:alnum:]]x", "_x", False, False),
    ("[[:upper:]]*", "Abc", False, True),
    ("[[:upper:]]*", "abc", False, False),
    ("[[:lower:]]*", "abc", False, True),
    ("[[:space:]]x", " x", False, True),
    ("[[:punct:]]x", "!x", False, True),
    ("[[:punct:]]x", "ax", False, False),
    ("[[:xdigit:]]", "f", False, True),
    ("[[:xdigit:]]", "g", False, False),
    ("[[:word:]]x", "_x", False, True),
    ("[[:word:]]x", "-x", False, False),
    ("[![:digit:]]x", "ax", False, True),
    ("[![:digit:]]x", "1x", False, False),
    ("[a[:digit:]]y", "7y", False, True),
    ("[a[:digit:]]y", "ay", False, True),
    ("[a[:digit:]]y", "by", False, False),
    ("[[:nope:]]", ":", False, True),  # an unknown class keeps only its ':'
    ("[[:nope:]]", "n", False, False),
    # escapes and brackets
    ("\\*", "*", False, True),
    ("\\*", "a", False, False),
    ("\\[a]", "[a]", False, True),
    ("[]]", "]", False, True),
    ("[!a]b", "cb", False, True),
    ("[!a]b", "ab", False, False),
    ("a[-]b", "a-b", False, True),
    ("foo\\ ", "foo ", False, True),  # an escaped trailing space stays
    ("foo   ", "foo", False, True),  # trailing spaces go
    # wildcards never cross '/'
    ("a*b", "a/b", False, False),
    ("a?b", "a/b", False, False),
    ("/a/*/c", "a/b/c", False, True),
    ("/a/*/c", "a/b/d/c", False, False),
    ("a/**/c", "a/b/d/c", False, True),
    ("a/**/c", "a/c", False, True),
    ("**/c", "x/y/c", False, True),
    ("a/**", "a/b/c", False, True),
    # folders only, anchoring
    ("build/", "build", True, True),
    ("build/", "build", False, False),
    ("/top", "x/top", False, False),
    ("top", "x/top", False, True),
    ("x/top", "y/x/top", False, False),
]

# patterns JGit refuses: the rule is skipped, so nothing is ignored by it
INVALID = ["[z-a]*", "foo\\", "[[.a.]]", "[[=a=]]x", "x\\\\\\"]


@pytest.mark.parametrize("pattern, path, is_dir, expected", CASES,
                         ids=[f"{c[0]}~{c[1]}" for c in CASES])
def test_pattern_as_jgit_judges_it(pattern, path, is_dir, expected):
    warnings: list[str] = []
    rules = parse_rules(pattern + "\n", warnings)
    assert warnings == []
    assert is_ignored(rules, path, is_dir) is expected


@pytest.mark.parametrize("pattern", INVALID)
def test_an_invalid_pattern_is_skipped_with_a_warning(pattern):
    warnings: list[str] = []
    rules = parse_rules(f"*.log\n{pattern}\n!keep.log\n", warnings)
    assert [r.pattern for r in rules] == ["*.log", "!keep.log"]
    assert len(warnings) == 1 and ".digdagignore:2:" in warnings[0] and "skipped" in warnings[0]


def test_the_archive_skips_an_invalid_rule_and_says_so(tmp_path):
    (tmp_path / ".digdagignore").write_text("[z-a]*\n*.log\n")
    for name in ("a.dig", "zebra.txt", "x.log"):
        (tmp_path / name).write_text("x")
    archive = build_archive(tmp_path)
    assert [e.name for e in archive.entries] == ["a.dig", "zebra.txt"]
    assert archive.warnings and "[z-a]*" in archive.warnings[0]


def test_link_loops_and_links_to_the_folder_are_stored_as_digdag_stores_them(tmp_path):
    (tmp_path / "a.dig").write_text("x")
    os.symlink("loop", tmp_path / "loop")
    os.symlink("b", tmp_path / "c")
    os.symlink("c", tmp_path / "b")
    os.symlink(".", tmp_path / "self")
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")
    links = {e.name: e.link for e in project_entries(tmp_path) if e.kind == "symlink"}
    assert links == {"loop": "loop", "b": "c", "c": "b", "self": "", "sub/up": ".."}
    build_archive(tmp_path)  # no traceback


def test_push_dry_run_reports_the_skipped_rule(project: Path):
    from generator.td.config import TdConfig
    from generator.td.push import push

    (project / "workflows" / ".digdagignore").write_text("[z-a]*\n")
    result = push(project, TdConfig(None, "https://x", "https://y"), dry_run=True)
    assert any("[z-a]*" in note for note in result.notes)
