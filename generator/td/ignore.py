"""``.digdagignore``: gitignore patterns, judged the way Digdag judges them.

Digdag (``DigdagIgnore``, JGit's ``IgnoreNode.checkIgnored``) asks of each entry of its walk,
with its path relative to the project and whether it is a directory: the last rule that matches
decides (``!`` re-includes). An ignored directory is not descended, so nothing under it can be
re-included. Supported: ``#`` comments, blank lines, ``\\`` escapes, ``!`` negation, trailing
``/`` (directories only), a ``/`` at the start or in the middle (anchored at the project root;
otherwise the pattern matches a name at any depth), ``*``, ``?``, ``[...]`` classes, and ``**``
as a whole segment (``**/x``, ``x/**``, ``a/**/b``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str  # the line as written, for messages
    regex: re.Pattern
    negated: bool
    dir_only: bool
    anchored: bool  # matched against the whole path, not only the name

    def matches(self, path: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        subject = path if self.anchored else path.rsplit("/", 1)[-1]
        return self.regex.fullmatch(subject) is not None


def parse_rules(text: str) -> list[IgnoreRule]:
    """The rules of a ``.digdagignore`` text, in file order."""
    rules = []
    for line in text.splitlines():
        rule = parse_line(line)
        if rule is not None:
            rules.append(rule)
    return rules


def parse_line(line: str) -> IgnoreRule | None:
    pattern = _strip_trailing_spaces(line)
    if not pattern or pattern.startswith("#"):
        return None
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    dir_only = body.endswith("/") and not body.endswith("\\/")
    body = body.rstrip("/") if dir_only else body
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        return None
    return IgnoreRule(pattern, re.compile(glob_regex(body)), negated, dir_only, anchored)


def is_ignored(rules: list[IgnoreRule], path: str, is_dir: bool) -> bool:
    """Whether the last rule matching ``path`` (relative, ``/``-separated) ignores it."""
    for rule in reversed(rules):
        if rule.matches(path, is_dir):
            return not rule.negated
    return False


def glob_regex(glob: str) -> str:
    """A regular expression for one gitignore pattern (without ``!`` and trailing ``/``)."""
    segments = glob.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            if last:
                out.append(".*" if i == 0 else "/.*")
            else:
                out.append("(?:.*/)?" if i == 0 else "/(?:.*/)?")
            continue
        if i > 0 and segments[i - 1] != "**":
            out.append("/")
        out.append(_segment_regex(segment))
    return "".join(out)


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        c = segment[i]
        if c == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            i += 2
            continue
        if c == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1  # '**' inside a segment is a plain '*'
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = _class_end(segment, i)
            if end < 0:
                out.append(re.escape(c))
            else:
                out.append(_class_regex(segment[i + 1:end]))
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1  # a ']' first in the class is literal
    while i < len(segment):
        if segment[i] == "\\":
            i += 2
            continue
        if segment[i] == "]":
            return i
        i += 1
    return -1


def _class_regex(inner: str) -> str:
    negate = inner[:1] in ("!", "^")
    inner = inner[1:] if negate else inner
    escaped = "".join("\\" + c if c in "\\[]^" else c for c in inner.replace("\\", ""))
    return f"[^/{escaped}]" if negate else f"[{escaped}]"


def _strip_trailing_spaces(line: str) -> str:
    """Trailing spaces go, unless escaped with a backslash."""
    line = line.rstrip("\r\n")
    stripped = line.rstrip(" \t")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped[:-1] + " "
    return stripped
