#!/usr/bin/env python3
"""Benchmarks of tdgen: generation and checks at scale, window cost, start-up.

    .venv/bin/python benchmarks/run.py            # the full benchmark (a few minutes), printed
    .venv/bin/python benchmarks/run.py --write    # ... and written to docs/benchmarks.md
    .venv/bin/python benchmarks/run.py --smoke    # 2 sources, a 10 k-row table: seconds

Commands are measured as whole processes of the installed ``tdgen`` (what users run), each a
median of several runs, peak memory being the child's ``ru_maxrss``. Every ratio is computed
from numbers of the same run. Nothing here asserts a time: the tables are for reading, and the
targets table says which goals the numbers meet.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import status_log
import synthetic

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
HEAVY = ("duckdb", "sqlglot", "tdclient", "dukpy", "trino_sql_validator", "pydantic",
         "requests", "urllib3", "jinja2", "yaml")
LIBRARIES = ("click", "jinja2", "PyYAML", "pydantic", "duckdb", "sqlglot",
             "trino-sql-validator", "dukpy", "yamllint", "td-client")
START = 1672531200  # 2023-01-01T00:00:00Z: the target tables span three years from here
SPAN = 3 * 365 * 86400
LOG_TABLES = 50


@dataclass
class Config:
    sizes: list[int]
    repeat: int
    repeat_large: int
    rows: list[int]
    log_hours: int
    status_rows: int
    startup_runs: int
    sections: list[str]
    tdgen: Path
    generate_source: Path


# ---------------------------------------------------------------------------------- helpers


def run(command: list[str], cwd: Path, expect: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KB, stdout and stderr) of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output = out.read().decode("utf-8", "replace") + err.read().decode("utf-8", "replace")
        if process.returncode not in expect:
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode} in {cwd}:\n"
                               f"{output[-3000:]}")
    return wall, usage.ru_maxrss, output


def measure(command: list[str], cwd: Path, times: int, before=None):
    """Median wall time and the largest peak RSS (MB) of ``times`` runs; the last output."""
    walls, peaks, stdout = [], [], ""
    for _ in range(times):
        if before:
            before()
        wall, peak, stdout = run(command, cwd)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks) / 1024, stdout


def table(header: list[str], rows: list[list]) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:.3f}" if value < 10 else f"{value:.1f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


# ------------------------------------------------------------------------------- generation


def bench_generation(cfg: Config, work: Path) -> dict:
    results = {}
    for n in cfg.sizes:
        root = synthetic.make_repository(work / f"repo_{n}", n, REPO)
        times = cfg.repeat_large if n >= 500 else cfg.repeat
        tdgen = [str(cfg.tdgen)]
        full, full_mb, _ = measure([*tdgen, "generate"], root, times,
                                   before=lambda root=root: synthetic.clear_generated(root))
        files = sum(1 for p in root.rglob("*") if p.is_file()
                    and p.relative_to(root).parts[0] in ("workflows", "docs", "schema")) + 1
        noop, noop_mb, out = measure([*tdgen, "generate"], root, times)
        if f"{files} identical" not in out:
            raise RuntimeError(f"the no-op render changed files: {out[-300:]}")
        check_gen, check_gen_mb, _ = measure([*tdgen, "generate", "--check"], root, times)
        check, check_mb, out = measure([*tdgen, "check"], root, times)
        no_style, no_style_mb, out2 = measure([*tdgen, "check", "--no-style"], root, times)
        for text in (out, out2):
            if "0 errors" not in text:
                raise RuntimeError(f"tdgen check found errors in the synthetic project:\n{text}")
        phases = json.loads(subprocess.run(
            [sys.executable, str(HERE / "phases.py"), str(root), str(min(times, 3))],
            capture_output=True, text=True, check=True, cwd=REPO).stdout)
        results[n] = {"files": files, "runs": times, "full": full, "full_mb": full_mb,
                      "noop": noop, "noop_mb": noop_mb, "gen_check": check_gen,
                      "gen_check_mb": check_gen_mb, "check": check, "check_mb": check_mb,
                      "check_no_style": no_style, "check_no_style_mb": no_style_mb,
                      "phases": phases}
        shutil.rmtree(root)
        print(f"  generation and checks: {n} sources done", file=sys.stderr)
    return results


def generation_tables(results: dict) -> str:
    sizes = sorted(results)
    gen = [[n, r["files"], r["runs"], r["full"], r["full_mb"], round(r["files"] / r["full"]),
            r["noop"], r["noop_mb"], r["gen_check"], r["gen_check_mb"]]
           for n, r in ((n, results[n]) for n in sizes)]
    out = ["### Generation (`tdgen generate`, whole processes)", "",
           table(["sources", "files", "runs", "full render s", "peak MB", "files/s",
                  "no-op re-render s", "peak MB", "`generate --check` s", "peak MB"], gen), ""]
    chk = [[n, r["runs"], r["check"], r["check_mb"], r["check_no_style"],
            r["check_no_style_mb"]] for n, r in ((n, results[n]) for n in sizes)]
    out += ["### Checks (`tdgen check`, whole repository, whole processes)", "",
            table(["sources", "runs", "`check` s", "peak MB", "`check --no-style` s",
                   "peak MB"], chk), ""]
    if 100 in results and 500 in results:
        a, b = results[500], results[100]
        out += ["### Scaling: 500 sources / 100 sources (same run)", "",
                table(["full render", "no-op", "`generate --check`", "`check`",
                       "`check --no-style`"],
                      [[ratio(a["full"], b["full"]), ratio(a["noop"], b["noop"]),
                        ratio(a["gen_check"], b["gen_check"]), ratio(a["check"], b["check"]),
                        ratio(a["check_no_style"], b["check_no_style"])]]), ""]
    names = list(results[sizes[0]]["phases"])
    out += ["### Where the time goes (in-process, median of up to 3, seconds)", "",
            table(["phase", *[f"{n} sources" for n in sizes]],
                  [[name, *[results[n]["phases"].get(name, 0.0) for n in sizes]]
                   for name in names]), ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------- window


def bench_window(cfg: Config, work: Path) -> dict:
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

    def timed(sql: str) -> float:
        walls = []
        for _ in range(max(5, cfg.repeat)):
            start = time.perf_counter()
            con.execute(sql).fetchall()
            walls.append(time.perf_counter() - start)
        return statistics.median(walls)

    # The shapes of workflows/sql/*_window_from_log.sql and *_window_from_table.sql.
    ours = ("SELECT max(end_time) AS start_time FROM ingestion_log WHERE source_name = 'src_7' "
            "AND workflow_name = 'src_7_ingest_inc' AND table_name = 'table_17' "
            "AND status = 'SUCCESS'")
    results = {}
    for n in cfg.rows:
        legacy = f"SELECT max(updated_at) FROM target_{n}"
        fallback = f"SELECT max(updated_at) FROM target_{n} WHERE time >= {now - 90 * 86400}"
        results[n] = {name: {"ms": timed(sql) * 1000, "rows": rows_scanned(sql)}
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
        rows.append([n, r["legacy"]["ms"], r["legacy"]["rows"], r["ours"]["ms"],
                     r["ours"]["rows"], r["fallback"]["ms"], r["fallback"]["rows"],
                     ratio(r["legacy"]["ms"], r["ours"]["ms"]),
                     ratio(r["legacy"]["rows"], r["ours"]["rows"])])
    out = [f"### Window cost on DuckDB (log: {results['log_rows']:,} rows, {LOG_TABLES} tables)",
           "", table(["table rows", "legacy ms", "legacy rows scanned", "ours (log) ms",
                      "ours rows scanned", "fallback (90 d) ms", "fallback rows scanned",
                      "legacy/ours time", "legacy/ours rows"], rows), ""]
    sizes = sorted(by)
    if len(sizes) > 1:
        lo, hi = by[sizes[0]], by[sizes[-1]]
        out += [f"Growth from {sizes[0]:,} to {sizes[-1]:,} rows (same run):", "",
                table(["query", "time", "rows scanned"],
                      [[name, ratio(hi[key]["ms"], lo[key]["ms"]),
                        ratio(hi[key]["rows"], lo[key]["rows"])]
                       for name, key in (("legacy", "legacy"), ("ours (log)", "ours"),
                                         ("fallback (90 d)", "fallback"))]), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- startup


def bench_startup(cfg: Config) -> dict:
    commands = {"tdgen --help": [str(cfg.tdgen), "--help"],
                "generate-source --help": [str(cfg.generate_source), "--help"]}
    results = {}
    for name, command in commands.items():
        walls = [run(command, REPO)[0] for _ in range(cfg.startup_runs)]
        results[name] = {"median": statistics.median(walls), "min": min(walls),
                         "runs": len(walls)}
    for name, entry in (("tdgen --help", "main"),
                        ("generate-source --help", "generate_source_main")):
        probe = ("import sys; sys.argv = ['x', '--help']\n"
                 f"from generator.cli import {entry}\n"
                 f"try:\n    {entry}()\nexcept SystemExit:\n    pass\n"
                 f"print('MODULES', ', '.join(m for m in {HEAVY!r} if m in sys.modules))")
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             cwd=REPO, check=True).stdout
        results[name]["heavy"] = out.rsplit("MODULES", 1)[1].strip() or "none"
    print("  start-up done", file=sys.stderr)
    return results


def startup_table(results: dict) -> str:
    rows = [[name, r["runs"], r["median"], r["min"], r["heavy"]]
            for name, r in results.items()]
    return "\n".join(["### Start-up (whole processes)", "",
                      table(["command", "runs", "median s", "min s",
                             "libraries imported (of " + ", ".join(HEAVY) + ")"], rows), ""])


# ---------------------------------------------------------------------------------- targets


def targets(gen: dict | None, win: dict | None, start: dict | None,
            status: dict | None = None) -> str:
    rows = []

    def add(what: str, measured: float | None, limit: float, unit: str, fmt: str = "{:.3f}"):
        if measured is None:
            rows.append([what, "n/a", "not measured"])
        else:
            text = fmt.format(measured) + unit
            rows.append([what, text, "met" if measured <= limit else "NOT met"])

    g100 = (gen or {}).get(100)
    g500 = (gen or {}).get(500)
    add("100 sources: full render <= 2 s", g100 and g100["full"], 2.0, " s")
    add("100 sources: no-op re-render <= 0.5 s", g100 and g100["noop"], 0.5, " s")
    add("100 sources: `check` <= 5 s", g100 and g100["check"], 5.0, " s")
    for key, label in (("full", "full render"), ("noop", "no-op re-render"),
                       ("gen_check", "`generate --check`"), ("check", "`check`"),
                       ("check_no_style", "`check --no-style`")):
        value = g500[key] / g100[key] if g100 and g500 else None
        add(f"500 sources: {label} <= 5.5x the 100-source time", value, 5.5, "x", "{:.2f}")
    by = (win or {}).get("by_rows", {})
    sizes = sorted(by)
    if len(sizes) > 1 and sizes[0] == 1_000_000 and sizes[-1] == 30_000_000:
        lo, hi = by[sizes[0]], by[sizes[-1]]
        add("window: ours grows <= 1.2x from 1 M to 30 M rows (time)",
            hi["ours"]["ms"] / lo["ours"]["ms"], 1.2, "x", "{:.2f}")
        add("window: ours grows <= 1.2x from 1 M to 30 M rows (rows scanned)",
            hi["ours"]["rows"] / lo["ours"]["rows"], 1.2, "x", "{:.2f}")
        grows = hi["legacy"]["rows"] / lo["legacy"]["rows"]
        rows.append(["window: the legacy grows with the table (rows scanned, time)",
                     f"{grows:.1f}x, {hi['legacy']['ms'] / lo['legacy']['ms']:.1f}x",
                     "met" if grows >= 10 else "NOT met"])
        cheaper = hi["legacy"]["rows"] / hi["ours"]["rows"]
        rows.append(["window: at 30 M rows ours >= 50x cheaper in rows scanned",
                     f"{cheaper:.1f}x", "met" if cheaper >= 50 else "NOT met"])
    else:
        rows.append(["window targets (1 M and 30 M rows)", "n/a", "not measured"])
    help_time = (start or {}).get("tdgen --help", {}).get("median")
    add("`tdgen --help` <= 0.25 s", help_time, 0.25, " s")
    status_log.status_targets(status, add)
    return "\n".join(["### Targets", "", table(["target", "measured", "status"], rows), ""])


# ----------------------------------------------------------------------------------- report


def machine() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    memory = "unknown"
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        memory = f"{int(match.group(1)) / 2**20:.1f} GiB" if match else memory
    except OSError:
        pass
    libs = []
    for name in LIBRARIES:
        try:
            libs.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            libs.append(f"{name} (not installed)")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=REPO, check=False).stdout.strip() or "unknown"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}",
            f"- {platform.system()} {platform.release()}; Python {platform.python_version()}",
            f"- {', '.join(libs)}",
            f"- tdgen at commit {commit}; {now}"]


def report(cfg: Config, command: str, gen, win, start, elapsed: float, status=None) -> str:
    parts = ["## Results", "", "Produced by:", "", "```bash", command, "```", "",
             *machine(), f"- the whole benchmark took {elapsed:.0f} s", ""]
    parts.append(targets(gen, win, start, status))
    if gen:
        parts.append(generation_tables(gen))
    if win:
        parts.append(window_tables(win))
    if start:
        parts.append(startup_table(start))
    if status:
        parts.append(status_log.status_table(status, table))
    return "\n".join(parts).rstrip("\n") + "\n"


def write_doc(path: Path, text: str) -> None:
    block = f"{BEGIN}\n{text}{END}"
    if path.exists() and BEGIN in path.read_text() and END in path.read_text():
        old = path.read_text()
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = "# Benchmarks\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


def parse_args(argv: list[str]) -> tuple[Config, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="2 sources, a 10 k-row table, one run each: proves the runner")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--output", type=Path, help="write the report here instead")
    parser.add_argument("--sizes", help="source counts (default 10,100,500)")
    parser.add_argument("--rows", help="target table rows (default 1000000,10000000,30000000)")
    parser.add_argument("--repeat", type=int, help="runs per command (default 5)")
    parser.add_argument("--sections", default="generation,window,startup,status",
                        help="any of generation, window, startup, status")
    parser.add_argument("--status-rows", type=int, help="log rows for status (default 1 M)")
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    smoke = args.smoke
    cfg = Config(
        sizes=[int(x) for x in (args.sizes or ("2" if smoke else "10,100,500")).split(",")],
        repeat=args.repeat or (1 if smoke else 5),
        repeat_large=args.repeat or (1 if smoke else 3),
        rows=[int(float(x)) for x in (args.rows or ("10000" if smoke else
                                                     "1000000,10000000,30000000")).split(",")],
        log_hours=200 if smoke else 365 * 24,
        status_rows=args.status_rows or (10_000 if smoke else 1_000_000),
        startup_runs=2 if smoke else 11,
        sections=[s.strip() for s in args.sections.split(",") if s.strip()],
        tdgen=bin_dir / "tdgen", generate_source=bin_dir / "generate-source")
    for script in (cfg.tdgen, cfg.generate_source):
        if not script.exists():
            parser.error(f"{script} not found: run this with the Python of the virtualenv "
                         "where tdgen is installed (.venv/bin/python benchmarks/run.py)")
    return cfg, args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, args = parse_args(argv)
    python = os.path.relpath(sys.executable, REPO) if sys.executable.startswith(str(REPO)) \
        else sys.executable
    command = " ".join([python, "benchmarks/run.py", *argv])
    began = time.perf_counter()
    gen = win = start = status = None
    with tempfile.TemporaryDirectory(prefix="tdgen-bench-") as tmp:
        work = Path(tmp)
        if "generation" in cfg.sections:
            gen = bench_generation(cfg, work)
        if "window" in cfg.sections:
            win = bench_window(cfg, work)
        if "startup" in cfg.sections:
            start = bench_startup(cfg)
        if "status" in cfg.sections:
            status = status_log.bench_status(cfg, work, REPO)
    text = report(cfg, command, gen, win, start, time.perf_counter() - began, status)
    print(text)
    if args.output or args.write:
        write_doc(args.output or DOC, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
