"""``.digdagignore``: gitignore patterns, judged the way Digdag judges them.

Digdag (``DigdagIgnore``, JGit's ``IgnoreNode.checkIgnored``) asks of each entry of its walk,
with its path relative to the project and whether it is a directory: the last rule that matches
decides (``!`` re-includes). An ignored directory is not descended, so nothing under it can be
re-included. Supported: ``#`` comments, blank lines, ``\\`` escapes, ``!`` negation, trailing
``/`` (directories only), a ``/`` at the start or in the middle (anchored at the project root;
otherwise the pattern matches a name at any depth), ``*``, ``?``, ``[...]`` classes with
POSIX classes inside (``[[:alpha:]]``, ``[[:digit:]]``, ... ``[[:word:]]``, Unicode-aware as
in Java; an unknown name such as ``[[:nope:]]`` matches ``:`` as in JGit), and ``**`` as a
whole segment (``**/x``, ``x/**``, ``a/**/b``).

A pattern JGit cannot compile is skipped with a warning, as ``IgnoreNode`` skips it: an
invalid range (``[z-a]*``), a collating symbol or equivalence class (``[[.a.]]``,
``[[=a=]]``), and a pattern ending with an unescaped backslash
(``foo\\``).
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


class InvalidPattern(ValueError):
    """A pattern JGit refuses; the rule is skipped."""


def parse_rules(text: str, warnings: list[str] | None = None) -> list[IgnoreRule]:
    """The rules of a ``.digdagignore`` text, in file order; an invalid pattern is skipped
    (with a line in ``warnings``)."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            rule = parse_line(line)
        except InvalidPattern as exc:
            if warnings is not None:
                warnings.append(f".digdagignore:{number}: pattern {line.strip()!r} skipped, "
                                f"as Digdag skips it: {exc}")
            continue
        if rule is not None:
            rules.append(rule)
    return rules


def parse_line(line: str) -> IgnoreRule | None:
    """One rule, ``None`` for a blank line or a comment; ``InvalidPattern`` if JGit refuses
    it."""
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
    if _UNSUPPORTED.search(body):
        raise InvalidPattern("collating symbols and equivalence classes are not supported")
    if (len(body) - len(body.rstrip("\\"))) % 2:
        raise InvalidPattern("it ends with an unescaped backslash")
    try:
        return IgnoreRule(pattern, re.compile(glob_regex(body)), negated, dir_only, anchored)
    except re.error as exc:
        raise InvalidPattern(str(exc)) from None


_NAMED_CLASS = re.compile(r"\[:[a-z]+:\]")
_UNSUPPORTED = re.compile(r"\[\[[.=]\w+[.=]\]\]")
_LETTER = r"[^\W\d_]"  # Java's letters (Unicode); Python's re has no \p{L}
_POSIX = {  # name -> (members inside a class, a class of its own or ""), as JGit maps them
    "alnum": ("a-zA-Z0-9", ""), "alpha": ("", _LETTER), "blank": (r" \t", ""),
    "cntrl": (r"\x00-\x1f\x7f", ""), "digit": (r"\d", ""), "graph": ("!-~", r"[^\W_]"),
    "lower": ("a-z", ""), "print": (" -~", r"[^\W_]"), "punct": (r"!-/:-@\[-`{-~", ""),
    "space": (r" \t\n\x0b\f\r", ""), "upper": ("A-Z", ""), "xdigit": ("0-9a-fA-F", ""),
    "word": (r"\w", ""),
}


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
        named = _NAMED_CLASS.match(segment, i)
        if named:  # ``[:alpha:]`` inside a class: its ']' does not close the class
            i = named.end()
            continue
        if segment[i] == "]":
            return i
        i += 1
    return -1


def _class_regex(inner: str) -> str:
    negate = inner[:1] in ("!", "^")
    inner = inner[1:] if negate else inner
    members, alternatives = [], []
    for piece in re.split(r"(\[:[a-z]+:\])", inner.replace("\\", "")):
        if piece.startswith("[:") and piece.endswith(":]"):
            inside, own = _POSIX.get(piece[2:-2], (":", ""))  # JGit keeps only the ':'s
            members.append(inside)
            alternatives += [own] if own else []
        else:
            members.append("".join("\\" + c if c in "\\[]^" else c for c in piece))
    escaped = "".join(members)
    if negate:
        return "".join(f"(?!{a})" for a in alternatives) + f"[^/{escaped}]"
    options = ([f"[{escaped}]"] if escaped else []) + alternatives
    return options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"


def _strip_trailing_spaces(line: str) -> str:
    """Trailing spaces go, unless escaped with a backslash."""
    line = line.rstrip("\r\n")
    stripped = line.rstrip(" \t")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped[:-1] + " "
    return stripped
