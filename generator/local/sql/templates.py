"""Translations reused across statements that differ only in their literals.

A workflow sends the same SQL file many times with other values in it (session ids, window
bounds, table names): each text is new, yet its translation is the same text with the same
literals in the same places. ``Templates`` learns this from the translator itself, per
*shape* (the text with every string and integer literal cut out, and the database):

1. two texts of one shape were translated, and their literals differ at some places (the
   *lifted* slots; the other literals must be equal to be served); the first template of a
   shape first lifts every literal and name a sentinel may stand for, and only if that is
   refused the slots that differ;
2. the statement is translated again with a unique sentinel in every lifted slot; where each
   sentinel comes out in the DuckDB SQL is where that slot's literal goes (a *template*);
3. the template must rebuild both real translations exactly, and two more probes (numbers 0
   and 1; a string of digits, a zone name) must come out as the template says, or the
   shape is never served from a template. A literal the rewrite reads (a pattern, a unit, a
   date it folds) thus changes the SQL differently from a sentinel and refuses the
   template; names it looks up (UTC's aliases, TD's zone abbreviations, offsets) are never
   served from a template.

A statement served from a template is the template with its own literals, as written in its
text. The engine keeps templates on disk with its translations (``cache.py``: the file is
keyed by the translator's code and sqlglot's version), as ``to_json`` writes them, so a run
with other session ids and times is served without sqlglot; what ``from_json`` cannot read
back exactly is ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace

# The slots: comments (rendered values often show in them), string literals ('' escapes),
# integers not part of a name or a decimal, and the last part of a qualified name
# (``db.table``, ``t.column``: the table a workflow renders per object); quoted identifiers
# are skipped.
_LEX = re.compile(r"(--[^\n]*|/\*.*?\*/)|\"(?:[^\"]|\"\")*\"|('(?:[^']|'')*')"
                  r"|(?<![\w.$])(\d+)(?![\w.$])|(?<=[\w\"]\.)([A-Za-z_]\w*)(?![\w.($\"])",
                  re.S)
# A name served from a template: lower case, as sqlglot writes it back unquoted
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_MAX_TEMPLATES = 8  # per shape


def slots(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the text between literals, the literals as written)."""
    pieces, values, last = [], [], 0
    for m in _LEX.finditer(text):
        if m.group(1) is None and m.group(2) is None and m.group(3) is None \
                and m.group(4) is None:
            continue
        pieces.append(text[last:m.start()])
        values.append(m.group(0))
        last = m.end()
    pieces.append(text[last:])
    return tuple(pieces), tuple(values)


def _join(pieces, values) -> str:
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:]):
        out.append(value)
        out.append(piece)
    return "".join(out)


@dataclass(frozen=True)
class Template:
    lifted: frozenset[int]
    fixed: tuple[tuple[int, str], ...]   # (slot, literal) of the slots not lifted
    parts: tuple[tuple, ...]             # per translation: str pieces and slot numbers
    translations: tuple                  # the Translation fields other than duck

    def serves(self, values: tuple[str, ...]) -> bool:
        return all(values[i] == v for i, v in self.fixed) and not any(
            _named(values[i]) for i in self.lifted)

    def fill(self, values: tuple[str, ...]) -> tuple:
        return tuple(replace(t, duck="".join(p if isinstance(p, str) else values[p]
                                             for p in parts))
                     for t, parts in zip(self.translations, self.parts))


@dataclass
class _Shape:
    last: tuple | None = None            # (values, translations) of the last real translation
    templates: list = field(default_factory=list)
    refused: set = field(default_factory=set)


class Templates:
    """Per-engine store of templates; ``translate(text)`` is the engine's own translation of
    a statement text (same database and clock), returning (translations, read_clock)."""

    def __init__(self):
        self._shapes: dict[tuple, _Shape] = {}
        self._whole: set[tuple] = set()  # shapes split into one statement, the whole text

    def _key(self, text: str, database: str | None):
        pieces, values = slots(text)
        return (pieces, tuple(_kind(v) for v in values), database), pieces, values

    def shape_id(self, text: str, database: str | None) -> str:
        """A stable name of the shape of ``text`` in ``database`` (for the disk cache)."""
        key, _, _ = self._key(text, database)
        return _digest(key)

    def export(self, text: str, database: str | None) -> list:
        """The templates of the shape of ``text``, as ``to_json`` writes them."""
        key, _, _ = self._key(text, database)
        shape = self._shapes.get(key)
        return [to_json(t) for t in shape.templates] if shape else []

    def adopt(self, text: str, database: str | None, entries: list) -> None:
        """Take templates kept from an earlier run (``to_json``'s entries) for the shape of
        ``text``, when this engine has none of its own; unreadable entries are ignored."""
        key, _, values = self._key(text, database)
        shape = self._shapes.get(key)
        if shape is not None and shape.templates:
            return
        kept = []
        for entry in entries[:_MAX_TEMPLATES] if isinstance(entries, list) else []:
            template = from_json(entry, len(values))
            if template is not None:
                kept.append(template)
        if kept:
            if len(self._shapes) >= 1024:
                self._shapes.clear()
            self._shapes.setdefault(key, _Shape()).templates = kept

    @staticmethod
    def whole_id(sql: str) -> str:
        """A stable name of the shape ``split`` and ``learn_split`` look up."""
        return _digest(slots(sql)[0])

    def adopt_whole(self, sql: str) -> None:
        """Record the shape of ``sql`` as one that splits into one statement, the whole
        text (learned here, or by an earlier run)."""
        if len(self._whole) >= 1024:
            self._whole.clear()
        self._whole.add(slots(sql)[0])

    def split(self, sql: str) -> list | None:
        """``[Statement(sql, 0)]`` when a text of the same shape was split into one
        statement, the whole text (its literals cannot hold a split: a ``;`` in a string is
        inside the string for both readers), else None."""
        from .statements import Statement

        pieces, _ = slots(sql)
        return [Statement(sql, 0)] if pieces in self._whole else None

    def learn_split(self, sql: str, statements: list) -> bool:
        """Record a text split into one statement, the whole text (True when it was)."""
        if len(statements) == 1 and statements[0].offset == 0 and statements[0].text == sql:
            self.adopt_whole(sql)
            return True
        return False

    def lookup(self, text: str, database: str | None):
        key, _, values = self._key(text, database)
        shape = self._shapes.get(key)
        if shape is not None:
            for template in shape.templates:
                if template.serves(values):
                    return template.fill(values)
        return None

    def learn(self, text: str, database: str | None, found: tuple, translate) -> None:
        """Record ``found`` (the real translation of ``text``); from the second text of a
        shape on, try to make a template of the two."""
        key, pieces, values = self._key(text, database)
        if not values:
            return
        if len(self._shapes) >= 1024:
            self._shapes.clear()
        shape = self._shapes.setdefault(key, _Shape())
        last, shape.last = shape.last, (values, found)
        if last is None or len(shape.templates) >= _MAX_TEMPLATES:
            return
        # what differs from the last text, and what each template did not serve
        lifted = {i for i, (a, b) in enumerate(zip(last[0], values)) if a != b}
        for template in shape.templates:
            lifted |= template.lifted | {i for i, v in template.fixed if values[i] != v}
        lifted = frozenset(lifted)
        if not lifted or lifted in shape.refused:
            return
        if not shape.templates and not shape.refused:
            # first try: every literal and name a sentinel can stand for, so that slots
            # which differ only in later texts (a session id, a count, a table) need no
            # template of their own; the same checks apply, and a refusal falls back to
            # the slots that differ
            wide = lifted | {i for i, v in enumerate(values) if _kind(v) in "'0a"
                             and not _named(v) and not _named(last[0][i])}
            if wide != lifted:
                template = _make(pieces, values, frozenset(wide), [last, (values, found)],
                                 translate)
                if template is not None:
                    shape.templates.append(template)
                    return
                shape.refused.add(frozenset(wide))
        template = _make(pieces, values, lifted, [last, (values, found)], translate)
        if template is None:
            shape.refused.add(lifted)
        else:  # it serves whatever the templates it lifts more than served
            shape.templates = [t for t in shape.templates if not t.lifted <= lifted
                               or any(i not in lifted and values[i] != v for i, v in t.fixed)]
            shape.templates.append(template)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()


def to_json(template: Template) -> list:
    """A template as JSON values (``from_json`` reads it back)."""
    return [sorted(template.lifted), [list(f) for f in template.fixed],
            [list(p) for p in template.parts], [t.to_json() for t in template.translations]]


def from_json(entry, n_slots: int) -> Template | None:
    """The template ``to_json`` wrote, checked part by part against a shape of ``n_slots``
    slots; None for anything else."""
    from .statements import Translation

    def slot(i) -> bool:
        return type(i) is int and 0 <= i < n_slots

    try:
        lifted, fixed, parts, fields = entry
        if not (all(slot(i) for i in lifted) and lifted
                and all(slot(i) and isinstance(v, str) and i not in lifted for i, v in fixed)
                and len(parts) == len(fields) >= 1
                and all(isinstance(p, str) or slot(p) for part in parts for p in part)):
            return None
        return Template(frozenset(lifted), tuple((i, v) for i, v in fixed),
                        tuple(tuple(p) for p in parts),
                        tuple(Translation.from_json(t) for t in fields))
    except (TypeError, ValueError):
        return None


def known_names() -> frozenset | None:
    """The names ``_named`` refuses, when this process computed them (for the disk cache)."""
    return _names


def adopt_names(names) -> None:
    """The names ``_named`` refuses, as an earlier run with the same translator computed
    them (saves importing sqlglot to serve a template with a name slot)."""
    global _names
    if _names is None and isinstance(names, list) and all(isinstance(n, str) for n in names):
        _names = frozenset(names)


def _make(pieces, values, lifted, reals, translate) -> Template | None:
    text = _join(pieces, values)
    sentinels = _sentinels(text, values, lifted)
    try:
        probe, read_clock = translate(_join(pieces, _with(values, sentinels)))
    except Exception:  # a literal the rewrite reads: no template
        return None
    if read_clock or any(t != real for t, real in zip(_fields(probe), _fields(reals[0][1]))) \
            or len(probe) != len(reals[0][1]):
        return None
    finder = re.compile("|".join(_pattern(s) for s in sorted(sentinels.values(), key=len,
                                                                 reverse=True)))
    slot_of = {s: i for i, s in sentinels.items()}
    parts = []
    for t in probe:
        seq, last = [], 0
        for m in finder.finditer(t.duck):
            seq.append(t.duck[last:m.start()])
            seq.append(slot_of[m.group(0)])
            last = m.end()
        seq.append(t.duck[last:])
        parts.append(tuple(seq))
    fixed = tuple((i, v) for i, v in enumerate(values) if i not in lifted)
    template = Template(lifted, fixed, tuple(parts), _fields(probe))
    for vals, found in reals:
        if not template.serves(vals) or template.fill(vals) != tuple(found):
            return None
    for special in (_special(values, lifted, "0", "'9187'"), _special(values, lifted, "1",
                                                                       "'Etc/Unknown'")):
        try:
            found, read_clock = translate(_join(pieces, special))
        except Exception:
            return None
        if read_clock or template.fill(special) != tuple(found):
            return None
    return template


def _fields(translations) -> tuple:
    return tuple(replace(t, duck="") for t in translations)


def _with(values, sentinels: dict[int, str]) -> tuple[str, ...]:
    return tuple(sentinels.get(i, v) for i, v in enumerate(values))


def _named(value: str) -> bool:
    """A string the rewrite looks up by name (zones it maps: UTC's aliases, TD's
    abbreviations, offsets), or a name that is not a plain lower-case name or that sqlglot or
    the rewrite reads (a keyword, ``time``), which a sentinel cannot stand for: never
    served."""
    if _kind(value) == "a":
        return not _PLAIN_NAME.fullmatch(value) or value in _read_names()
    if value[0] != "'":
        return False
    from .macros import _TRINO_UTC, TD_ZONE_ABBREVIATIONS

    text = value[1:-1].strip().upper()
    return (text in _TRINO_UTC or text in TD_ZONE_ABBREVIATIONS
            or re.fullmatch(r"[+-]\d{1,2}(:?\d{2})?", text) is not None)


_names: frozenset | None = None


def _read_names() -> frozenset:
    """Names a sentinel cannot stand for: the rewrite's ``time`` column, and every keyword
    of sqlglot's Trino reader and DuckDB writer (a writer may quote or rename them)."""
    global _names
    if _names is None:
        from sqlglot.dialects.duckdb import DuckDB

        from .rewrite import dialect

        words = {k.lower() for k in dialect().tokenizer_class.KEYWORDS}
        words |= {k.lower() for k in getattr(DuckDB.Generator, "RESERVED_KEYWORDS", ())}
        words |= {k.lower() for k in DuckDB.Tokenizer.KEYWORDS}
        _names = frozenset(w for w in words if _PLAIN_NAME.fullmatch(w)) | {"time"}
    return _names


def _kind(value: str) -> str:
    """A slot's kind: ' (string), - or / (comment), 0 (integer) or a (a name)."""
    if value[0] in "'-/":
        return value[0]
    return "0" if value[0].isdigit() else "a"


def _special(values, lifted, number: str, string: str) -> tuple[str, ...]:
    out = []
    for i, v in enumerate(values):
        kind = _kind(v)
        out.append(v if i not in lifted or kind in "-/" else string if kind == "'" else
                   number if kind == "0" else _PROBE_NAMES[number])
    return tuple(out)


_PROBE_NAMES = {"0": "x9187", "1": "etc_unknown"}
_SENTINEL = {"'": "'tdgen_slot_{}'", "-": "-- tdgen_slot_{}", "/": "/* tdgen_slot_{} */",
             "0": "{}", "a": "tdgen_slot_{}"}


def _sentinels(text: str, values, lifted) -> dict[int, str]:
    """A literal per lifted slot that occurs nowhere in the text, of the slot's kind."""
    base = 918_273_645_000
    while True:
        out = {i: _SENTINEL[_kind(values[i])].format(base + i) for i in lifted}
        if str(base)[:9] not in text:
            return out
        base += 1_000_003_000


def _pattern(sentinel: str) -> str:
    if sentinel[0].isdigit():
        return rf"(?<![\w.]){re.escape(sentinel)}(?![\w.])"
    if sentinel[0].isalpha():
        return rf"(?<![\w]){re.escape(sentinel)}(?![\w])"
    return re.escape(sentinel)
