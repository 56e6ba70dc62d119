"""`tdgen status --local` on a large ``ingestion_log`` (issue 10): the whole process, measured.

Two logs over the tables of this repository's own sources, each window one hour, written in
the source's timestamp format by DuckDB:

- ``success``: N rows of SUCCESS windows, one in 97 an ERROR, every ``log_id`` distinct;
- ``started``: N/2 STARTED rows whose load never finished beside N/2 SUCCESS rows (the case
  the pairwise unfinished-load check made quadratic).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

STRFTIME = {"millis_z": "%Y-%m-%dT%H:%M:%S.%gZ", "sql_server": "%Y-%m-%d %H:%M:%S.%g",
            "micros_no_zone": "%Y-%m-%dT%H:%M:%S.%f", "seconds_z": "%Y-%m-%dT%H:%M:%SZ"}
START = 1514764800  # 2018-01-01T00:00:00Z


def _tables(repo: Path) -> list:
    sys.path.insert(0, str(repo))
    from generator.spec.project import load_project
    from generator.td.status import expected_tables

    return [e for e in expected_tables(load_project(repo))
            if e.format is not None and e.format.name in STRFTIME]


def _insert(con, table, exp, index: int, per_table: int, status_sql: str, log_id: str) -> None:
    pattern = STRFTIME[exp.format.name]
    con.execute(f"""
        INSERT INTO {table} SELECT
          '{index}-' || {log_id} AS log_id, '{exp.source}', '{exp.workflow}', '{exp.table}',
          {status_sql} AS status,
          strftime(to_timestamp({START} + range * 3600), '{pattern}'),
          strftime(to_timestamp({START} + (range + 1) * 3600), '{pattern}'),
          1000, NULL::VARCHAR, 'job-' || range, NULL::VARCHAR,
          {START} + (range + 1) * 3600 + 60
        FROM range({per_table})""")


def make_log(path: Path, repo: Path, rows: int, kind: str) -> tuple[int, int]:
    """Write the log; (rows written, the unix time of the last window's end)."""
    import duckdb

    tables = _tables(repo)
    per_table = max(1, rows // len(tables))
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA src_ingestion")
    log = "src_ingestion.ingestion_log"
    con.execute(f"""CREATE TABLE {log} (log_id varchar, source_name varchar,
        workflow_name varchar, table_name varchar, status varchar, start_time varchar,
        end_time varchar, records_processed bigint, error_message varchar, job_id varchar,
        job_url varchar, time bigint)""")
    for i, exp in enumerate(tables):
        if kind == "success":
            _insert(con, log, exp, i, per_table,
                    "CASE WHEN range % 97 = 0 THEN 'ERROR' ELSE 'SUCCESS' END", "range")
        else:
            _insert(con, log, exp, i, per_table // 2, "'SUCCESS'", "'w-' || range")
            _insert(con, log, exp, i, per_table // 2, "'STARTED'", "'s-' || range")
    count = con.execute(f"SELECT count(*) FROM {log}").fetchone()[0]
    con.close()
    return count, START + (per_table + 1) * 3600


def _timed(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall s, CPU s of the process, peak MB) of one run; exit 0 or 1 (tables judged)."""
    import os
    import subprocess

    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    process.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _load_average() -> str:
    import os

    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def bench_status(cfg, work: Path, repo: Path) -> dict:
    import datetime

    results = {}
    for kind in ("success", "started"):
        path = work / f"status_{kind}.duckdb"
        count, end = make_log(path, repo, cfg.status_rows, kind)
        now = datetime.datetime.fromtimestamp(end + 3600, datetime.UTC).isoformat()
        command = [str(cfg.tdgen), "status", "--local", str(path), "--root", str(repo),
                   "--since", f"{(end - START) // 86400 + 2}d", "--now", now,
                   ]
        runs = [_timed(command, repo) for _ in range(cfg.repeat_large)]
        results[kind] = {"rows": count, "s": statistics.median(r[0] for r in runs),
                         "cpu": statistics.median(r[1] for r in runs),
                         "mb": max(r[2] for r in runs), "load": _load_average()}
    print("  status done", file=sys.stderr)
    return results


LABELS = {"success": "SUCCESS and ERROR windows",
          "started": "half STARTED never finished, half SUCCESS"}


def status_table(results: dict, table) -> str:
    rows = [[LABELS[k], r["rows"], r["s"], r["cpu"], r["mb"], r["load"]]
            for k, r in results.items()]
    return "\n".join(["### `tdgen status --local` on a large log (whole processes)", "",
                      table(["log", "rows", "wall s", "CPU s", "peak MB", "load average"],
                            rows), ""])


def status_targets(results: dict | None, add) -> None:
    for kind, label in (("success", "1 M-row log"), ("started", "500 k STARTED + 500 k "
                                                                 "SUCCESS rows")):
        measured = (results or {}).get(kind)
        big = measured and measured["rows"] >= 900_000
        add(f"`status --local` on a {label} < 10 s", measured["s"] if big else None, 10.0,
            " s")
