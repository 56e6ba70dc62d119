"""Window cost on DuckDB: the generated window queries against the legacy one, by table size.

Three tables of 1 M, 10 M and 30 M rows inserted in ``time`` order (so zone maps prune as TD's
time partitions do) and an ``ingestion_log`` of a year of hourly rows for 50 tables; each
query's median time (warm) and the rows DuckDB's profiler says it scanned.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from measure import ratio, table

START = 1672531200  # 2023-01-01T00:00:00Z: the target tables span three years from here
SPAN = 3 * 365 * 86400
LOG_TABLES = 50



def bench_window(cfg, work: Path) -> dict:
    import duckdb

    path = work / "window.duckdb"
    con = duckdb.connect(str(path))
    con.execute("SET memory_limit='1GB'")
    for n in cfg.rows:
        # Inserted in time order (range() is ordered and DuckDB keeps insertion order), so
        # each row group holds a narrow time range and its zone map prunes `time >= X`, as
        # TD's time partitions prune TD_TIME_RANGE. The field is a millis_z string.
        con.execute(f"""
            CREATE TABLE target_{n} AS SELECT
              {START} + (range * {SPAN} // {n})::BIGINT AS time,
              strftime(to_timestamp({START} + (range * {SPAN} // {n}) - (range % 3600)),
                       '%Y-%m-%dT%H:%M:%S.%gZ') AS updated_at,
              range AS id
            FROM range({n})""")
    log_start = START + SPAN - cfg.log_hours * 3600
    con.execute(f"""
        CREATE TABLE ingestion_log AS SELECT
          'run-' || range AS log_id,
          'src_' || (tbl % 10) AS source_name,
          'src_' || (tbl % 10) || '_ingest_inc' AS workflow_name,
          'table_' || tbl AS table_name,
          CASE WHEN h % 97 = 0 THEN 'ERROR' ELSE 'SUCCESS' END AS status,
          strftime(to_timestamp({log_start} + h * 3600), '%Y-%m-%dT%H:%M:%S.%gZ') AS start_time,
          strftime(to_timestamp({log_start} + (h + 1) * 3600), '%Y-%m-%dT%H:%M:%S.%gZ')
            AS end_time,
          1000 AS records_processed, NULL::VARCHAR AS error_message,
          'job-' || range AS job_id, NULL::VARCHAR AS job_url,
          {log_start} + (h + 1) * 3600 + 60 AS time
        FROM (SELECT range, range // {LOG_TABLES} AS h, range % {LOG_TABLES} AS tbl
              FROM range({LOG_TABLES * cfg.log_hours}))""")
    con.execute("CHECKPOINT")
    log_rows = con.execute("SELECT count(*) FROM ingestion_log").fetchone()[0]
    now = START + SPAN
    profile = work / "profile.json"

    def rows_scanned(sql: str) -> int:
        con.execute("PRAGMA enable_profiling='json'")
        con.execute(f"PRAGMA profiling_output='{profile}'")
        con.execute(sql).fetchall()
        con.execute("PRAGMA disable_profiling")
        return int(json.loads(profile.read_text())["query"]["total_rows_scanned"])

    def timed(sql: str) -> dict:
        """Median wall and CPU milliseconds (CPU of all of DuckDB's threads)."""
        walls, cpus = [], []
        for _ in range(max(5, cfg.repeat)):
            start, cpu = time.perf_counter(), time.process_time()
            con.execute(sql).fetchall()
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        return {"ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000}

    # The shapes of workflows/sql/*_window_from_log.sql and *_window_from_table.sql.
    ours = ("SELECT max(end_time) AS start_time FROM ingestion_log WHERE source_name = 'src_7' "
            "AND workflow_name = 'src_7_ingest_inc' AND table_name = 'table_17' "
            "AND status = 'SUCCESS'")
    results = {}
    for n in cfg.rows:
        legacy = f"SELECT max(updated_at) FROM target_{n}"
        fallback = f"SELECT max(updated_at) FROM target_{n} WHERE time >= {now - 90 * 86400}"
        results[n] = {name: {**timed(sql), "rows": rows_scanned(sql)}
                      for name, sql in (("legacy", legacy), ("ours", ours),
                                        ("fallback", fallback))}
    con.close()
    print("  window cost done", file=sys.stderr)
    return {"log_rows": log_rows, "by_rows": results}


def window_tables(results: dict) -> str:
    by = results["by_rows"]
    rows = []
    for n in sorted(by):
        r = by[n]
        rows.append([n, *[r[q][k] for q in ("legacy", "ours", "fallback")
                          for k in ("cpu_ms", "ms", "rows")],
                     ratio(r["legacy"]["cpu_ms"], r["ours"]["cpu_ms"]),
                     ratio(r["legacy"]["rows"], r["ours"]["rows"])])
    out = [f"### Window cost on DuckDB (log: {results['log_rows']:,} rows, {LOG_TABLES} tables)",
           "", table(["table rows", "legacy CPU ms", "legacy ms", "legacy rows scanned",
                      "ours (log) CPU ms", "ours (log) ms", "ours rows scanned",
                      "fallback (90 d) CPU ms", "fallback (90 d) ms", "fallback rows scanned",
                      "legacy/ours CPU", "legacy/ours rows"], rows), ""]
    sizes = sorted(by)
    if len(sizes) > 1:
        lo, hi = by[sizes[0]], by[sizes[-1]]
        out += [f"Growth from {sizes[0]:,} to {sizes[-1]:,} rows (same run):", "",
                table(["query", "CPU time", "rows scanned"],
                      [[name, ratio(hi[key]["cpu_ms"], lo[key]["cpu_ms"]),
                        ratio(hi[key]["rows"], lo[key]["rows"])]
                       for name, key in (("legacy", "legacy"), ("ours (log)", "ours"),
                                         ("fallback (90 d)", "fallback"))]), ""]
    return "\n".join(out)
