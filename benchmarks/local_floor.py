"""Where the CPU of one ``run-local`` goes: DuckDB's share, measured in-process (for
benchmarks/local.py).

Usage: python benchmarks/local_floor.py ROOT DB RUNS NOW

Runs ``tdgen run-local klaviyo --runs RUNS --now NOW --fresh --db DB`` in this process, with the
local engine's DuckDB connection wrapped so that every call into DuckDB (binding, planning,
running and fetching a statement, the engine's own DDL and appends) is timed, and prints JSON:
the process's CPU seconds, the part spent inside DuckDB and the number of statements the
workflows sent (``td>``). DuckDB's part is a floor no Python-side change can lower: it is the
cost of the statements the generated workflows issue.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time


class _Timed:
    """A DuckDB connection whose calls add their CPU time to ``spent``."""

    spent = 0.0

    def __init__(self, con):
        self._con = con

    def _timed(self, name, *args, **kwargs):
        start = time.process_time()
        try:
            return getattr(self._con, name)(*args, **kwargs)
        finally:
            _Timed.spent += time.process_time() - start

    def execute(self, *args, **kwargs):
        self._timed("execute", *args, **kwargs)
        return self

    def fetchall(self):
        return self._timed("fetchall")

    def sql(self, *args, **kwargs):
        return self._timed("sql", *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def main() -> None:
    root, db, runs, now = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    from generator.cli import main as tdgen
    from generator.local.sql import engine

    init, fetch, run = engine.SqlEngine.__init__, engine.SqlEngine._fetch, engine.SqlEngine._run
    statements = 0

    def timed_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._con = _Timed(self._con)

    def timed_fetch(self, rel):  # a relation runs when it is fetched
        start = time.process_time()
        try:
            return fetch(self, rel)
        finally:
            _Timed.spent += time.process_time() - start

    def counted_run(self, *args, **kwargs):
        nonlocal statements
        statements += 1
        return run(self, *args, **kwargs)

    engine.SqlEngine.__init__ = timed_init
    engine.SqlEngine._fetch = timed_fetch
    engine.SqlEngine._run = counted_run
    sys.argv = ["tdgen", "run-local", "klaviyo", "--runs", runs, "--now", now, "--fresh",
                "--db", db, "--root", root]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        tdgen()
    print(json.dumps({"cpu": time.process_time(), "duckdb": _Timed.spent,
                      "statements": statements}))


if __name__ == "__main__":
    main()
