"""Translations kept on disk between runs, so a repeated statement never needs sqlglot.

One JSON file in the repository's ``.tdgen/cache/`` (git-ignored, beside yamllint's findings)
per *translator*: the file's name is a hash of this cache's format, sqlglot's version and the
bytes of every module of the translation (``generator/local/sql/*.py``, the engine included,
which decides what is kept), so a change of any of them starts another file and an entry can
never answer for other code. Inside, each entry is keyed by the SHA-256 of what the
translation depends on: the statement's text and database, and the clock (``now``,
``TD_SCHEDULED_TIME``) when the rewrite read it. Splits of a text into
statements are kept the same way, and so are the templates of each shape (``templates.py``):
a statement whose text is new (other session ids and times) is then served from them. An
entry that is not what this code writes is ignored; so is a file that cannot be read. ``TDGEN_NO_CACHE=1`` turns the cache off.

Written atomically when the engine is done; entries the run did not use are dropped once the
file would hold more than ``LIMIT`` (or twice what the run used).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ...cache import KeyedFile
from .statements import Statement, Translation

FORMAT = 2  # of the entries: change it when Translation or the entries change
LIMIT = 4000  # entries: a few MB at most
_translator_key: str | None = None


def translator_key() -> str:
    """A hash of sqlglot's version and of the translation's own source files."""
    global _translator_key
    if _translator_key is None:
        from importlib.util import find_spec

        digest = hashlib.sha256(f"{FORMAT}\0".encode())
        spec = find_spec("sqlglot")  # its version, without importing it
        origin = Path(spec.origin).parent if spec and spec.origin else None
        for path in ([origin / "_version.py"] if origin else []) + _translator_files():
            try:
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
            except OSError:
                digest.update(path.name.encode() + b"\0missing\0")
        _translator_key = digest.hexdigest()
    return _translator_key


def _translator_files() -> list[Path]:
    """The source files of every module that makes or keeps a translation: this package
    (``generator/local/sql/``) holds them all."""
    return sorted(Path(__file__).parent.glob("*.py"))


def disabled() -> bool:
    return os.environ.get("TDGEN_NO_CACHE", "") not in ("", "0")


def _key(*parts) -> str:
    return hashlib.sha256("\0".join("" if p is None else str(p) for p in parts)
                          .encode()).hexdigest()


class TranslationCache(KeyedFile):
    """Translations and splits by content, in ``folder`` (``None``: nothing kept)."""

    def __init__(self, folder: Path | None):
        on = folder is not None and not disabled()
        super().__init__(Path(folder) / f"sql-{translator_key()[:16]}.json" if on else None,
                         LIMIT)
        self.dirty = False

    # --- splits --------------------------------------------------------------------------

    def split(self, sql: str) -> list[Statement] | None:
        key = _key("split", sql)
        found = self.entries.get(key) if self.path else None
        try:
            if not all(isinstance(a, int) and isinstance(b, int) and 0 <= a <= b <= len(sql)
                       for a, b in found):
                return None  # not an entry this code wrote
            statements = [Statement(sql[a:b], a) for a, b in found]
        except (TypeError, ValueError):  # never seen, or not an entry this code wrote
            return None
        self.used[key] = found
        return statements

    def put_split(self, sql: str, statements: list[Statement]) -> None:
        if self.path:
            self._put(_key("split", sql), [[s.offset, s.offset + len(s.text)]
                                           for s in statements])

    # --- templates (templates.py checks what it reads back) -------------------------------

    def _list(self, key: str) -> list | None:
        """A non-empty list entry (marked used), or None."""
        found = self.entries.get(key) if self.path else None
        if not isinstance(found, list) or not found:
            return None
        self.used[key] = found
        return found

    def templates(self, shape_id: str) -> list | None:
        return self._list(_key("templates", shape_id))

    def put_templates(self, shape_id: str, entries: list) -> None:
        if self.path and entries:
            self._put(_key("templates", shape_id), entries)

    def whole(self, whole_id: str) -> bool:
        """A shape of text split into one statement, the whole text."""
        key = _key("whole", whole_id)
        if self.path and self.entries.get(key) == [1]:
            self.used[key] = [1]
            return True
        return False

    def put_whole(self, whole_id: str) -> None:
        if self.path:
            self._put(_key("whole", whole_id), [1])

    def names(self) -> list | None:
        return self._list(_key("names"))

    def put_names(self, names) -> None:
        if self.path and names:
            self._put(_key("names"), sorted(names))

    # --- translations --------------------------------------------------------------------

    def get(self, text: str, database: str | None, clock: tuple | None = None
            ) -> tuple[Translation, ...] | None:
        """The translations of a statement (by its text and database; ``clock``: the
        (now, scheduled) it read, for one whose translation read the clock)."""
        if self.path is None:
            return None
        key = _key("statement", text, database, *(clock or ("-",)))
        found = self.entries.get(key)
        try:
            translations = tuple(Translation.from_json(t) for t in found)
        except (TypeError, ValueError, KeyError, IndexError):  # never seen, or not ours
            return None
        if not translations:
            return None
        self.used[key] = found
        return translations

    def put(self, text: str, database: str | None, clock: tuple | None,
            found: tuple[Translation, ...]) -> None:
        if self.path:
            self._put(_key("statement", text, database, *(clock or ("-",))),
                      [t.to_json() for t in found])

    def _put(self, key: str, value: list) -> None:
        self.used[key] = value
        if self.entries.get(key) != value:
            self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.write()
            self.dirty = False
