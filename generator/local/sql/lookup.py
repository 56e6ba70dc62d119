"""Where the engine's translations come from, cheapest first: this engine's memory, the disk
cache of earlier runs (``cache.py``) by text, a template of the statement's shape (learned in
this engine or kept on disk, ``templates.py``), and only then sqlglot (``statements.py``).

Translations depend on the statement's text and database, and on the clock only when the
statement reads it (``TD_SCHEDULED_TIME()``; ``now()`` is a mark filled at run time)."""

from __future__ import annotations

from pathlib import Path

from .cache import TranslationCache
from .statements import SqlEngineError, Statement, Translation, split, translate
from .templates import Templates, adopt_names, known_names


class Translations:
    """The translations of one engine."""

    def __init__(self):
        self._translations: dict[tuple, tuple[Translation, ...]] = {}
        self._splits: dict[str, list[Statement]] = {}
        self.templates = Templates()  # the same statement with other literals
        self._shapes_read: set[str] = set()  # shapes whose kept templates were looked up
        self._disk = TranslationCache(None)  # translations of earlier runs (use_cache)

    def use_cache(self, folder: Path | None) -> None:
        """Keep translations in ``folder`` between runs."""
        if self._disk.path is None or self._disk.path.parent != folder:
            self._disk.save()
            self._disk = TranslationCache(folder)
            self._shapes_read = set()

    def save(self) -> None:
        self._disk.save()

    def statements(self, trino_sql: str) -> list[Statement]:
        """The statements of ``trino_sql``, with their offsets."""
        statements = self._splits.get(trino_sql)
        if statements is None:
            statements = self._disk.split(trino_sql)
            if statements is not None:
                _remember(self._splits, trino_sql, statements)
        if statements is None:
            statements = self.templates.split(trino_sql)
            if statements is None and self._disk.whole(self.templates.whole_id(trino_sql)):
                self.templates.adopt_whole(trino_sql)
                statements = self.templates.split(trino_sql)
            if statements is None:
                statements = _remember(self._splits, trino_sql, split(trino_sql))
                if self.templates.learn_split(trino_sql, statements):
                    self._disk.put_whole(self.templates.whole_id(trino_sql))
                self._disk.put_split(trino_sql, statements)
        if not statements:
            raise SqlEngineError("no SQL statement", sql=trino_sql)
        return statements

    def of(self, trino_sql: str, stmt: Statement, clock: tuple,
           database: str | None) -> tuple[Translation, ...]:
        """The translations of ``stmt`` (a statement of ``trino_sql``) at ``clock``
        ((now, scheduled): UTC instant, unix seconds) in ``database``."""
        key = (stmt.text, database)
        found = self._translations.get(key) or self._translations.get((*key, *clock))
        if found is not None:
            return found
        for with_clock in (False, True):  # then on disk, as in memory
            found = self._disk.get(stmt.text, database, clock if with_clock else None)
            if found is not None:
                return _remember(self._translations, (*key, *clock) if with_clock else key,
                                 found)
        read_clock = False
        found = self.templates.lookup(stmt.text, database) or self._kept(stmt.text, database)
        if found is None:
            found, read_clock = translate(trino_sql, stmt, clock, database)
            self._disk.put(stmt.text, database, clock if read_clock else None, found)
            if not read_clock:
                self.templates.learn(stmt.text, database, found, lambda text: translate(
                    text, Statement(text, 0), clock, database))
                self._disk.put_templates(self.templates.shape_id(stmt.text, database),
                                         self.templates.export(stmt.text, database))
                self._disk.put_names(known_names())
        # a translation served from a template is not kept by its text: the template is
        return _remember(self._translations, (*key, *clock) if read_clock else key, found)

    def _kept(self, text: str, database: str | None):
        """The translation of ``text`` from a template an earlier run kept on disk."""
        shape = self.templates.shape_id(text, database)
        if shape in self._shapes_read:
            return None
        self._shapes_read.add(shape)
        entries = self._disk.templates(shape)
        if entries is None:
            return None
        adopt_names(self._disk.names())
        self.templates.adopt(text, database, entries)
        return self.templates.lookup(text, database)


def _remember(cache: dict, key, value):
    if len(cache) >= 4096:  # a long-lived engine: start again rather than grow
        cache.clear()
    cache[key] = value
    return value
