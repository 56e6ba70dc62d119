#!/usr/bin/env python3
"""Benchmarks of tdgen: generation and checks at scale, window cost, start-up, local engine.

    .venv/bin/python benchmarks/run.py            # the full benchmark (a few minutes), printed
    .venv/bin/python benchmarks/run.py --write    # ... and written to docs/benchmarks.md
    .venv/bin/python benchmarks/run.py --smoke    # 2 sources, a 10 k-row table: seconds
    .venv/bin/python benchmarks/run.py --baseline 4426abc   # run-local here and at 4426abc

Commands are measured as whole processes of the installed ``tdgen`` (what users run), each a
median of several runs: wall time, CPU time (user + system, the processes it waited for
included) and peak memory (the child's ``ru_maxrss``). Targets are judged on CPU time, which a
busy neighbour on a shared machine does not change. Every ratio is computed from numbers of
the same run. Nothing here asserts a time: the tables are for reading, and the targets table
says which goals the numbers meet.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synthetic
from local import bench_local, local_table, local_targets
from measure import measure, ratio, run, table
from window import bench_window, window_tables

import status_log
import window_cost

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
HEAVY = ("duckdb", "sqlglot", "tdclient", "dukpy", "trino_sql_validator", "pydantic",
         "requests", "urllib3", "jinja2", "yaml")
LIBRARIES = ("click", "jinja2", "PyYAML", "pydantic", "duckdb", "sqlglot",
             "trino-sql-validator", "dukpy", "yamllint", "td-client")


@dataclass
class Config:
    sizes: list[int]
    repeat: int
    repeat_large: int
    rows: list[int]
    log_hours: int
    startup_runs: int
    sections: list[str]
    tdgen: Path
    generate_source: Path
    baseline: str | None = None
    local_runs: int = 10
    status_rows: int = 1_000_000
    cost_rows: tuple[int, ...] = (1_000_000, 30_000_000)
    cost_years: tuple[int, ...] = (1, 5)


# ------------------------------------------------------------------------------- generation


def bench_generation(cfg: Config, work: Path) -> dict:
    results = {}
    for n in cfg.sizes:
        root = synthetic.make_repository(work / f"repo_{n}", n, REPO)
        times = cfg.repeat_large if n >= 500 else cfg.repeat
        results[n] = {"runs": times, **bench_generate(cfg, root, times),
                      **bench_check(cfg, root, times)}
        results[n]["phases"] = json.loads(subprocess.run(
            [sys.executable, str(HERE / "phases.py"), str(root), str(min(times, 3))],
            capture_output=True, text=True, check=True, cwd=REPO).stdout)
        shutil.rmtree(root)
        print(f"  generation and checks: {n} sources done", file=sys.stderr)
    return results


def bench_generate(cfg: Config, root: Path, times: int) -> dict:
    tdgen = [str(cfg.tdgen)]
    full, _ = measure([*tdgen, "generate"], root, times,
                      before=lambda: synthetic.clear_generated(root))
    files = sum(1 for p in root.rglob("*") if p.is_file()
                and p.relative_to(root).parts[0] in ("workflows", "docs", "schema")) + 1
    noop, out = measure([*tdgen, "generate"], root, times)
    if f"{files} identical" not in out:
        raise RuntimeError(f"the no-op render changed files: {out[-300:]}")
    gen_check, _ = measure([*tdgen, "generate", "--check"], root, times)
    return {"files": files, "full": full, "noop": noop, "gen_check": gen_check}


def bench_check(cfg: Config, root: Path, times: int) -> dict:
    """``tdgen check`` cold (no cache), warm (nothing changed), after one spec changed (and
    ``tdgen generate``, untimed), and with ``--no-style``."""
    tdgen = [str(cfg.tdgen)]
    edits = iter(range(1, 1000))

    def change_one() -> None:
        synthetic.change_one(root, next(edits))
        run([*tdgen, "generate", "--quiet"], root)

    figures = {}
    for key, args, before in (
            ("check", [], lambda: shutil.rmtree(root / ".tdgen", ignore_errors=True)),
            ("check_warm", [], None), ("check_changed", [], change_one),
            ("check_no_style", ["--no-style"], None)):
        figures[key], out = measure([*tdgen, "check", *args], root, times, before=before)
        if "0 errors" not in out:
            raise RuntimeError(f"tdgen check found errors in the synthetic project:\n{out}")
    return figures


GENERATE = (("full", "full render"), ("noop", "no-op re-render"),
            ("gen_check", "`generate --check`"))
CHECK = (("check", "`check` cold"), ("check_warm", "`check` warm"),
         ("check_changed", "`check`, one spec changed"), ("check_no_style", "`check --no-style`"))


def figure_table(results: dict, figures: tuple, extra=()) -> str:
    header = ["sources", *[h for h, _ in extra], "runs"]
    for _, label in figures:
        header += [f"{label} CPU s", "wall s", "peak MB"]
    rows = []
    for n in sorted(results):
        r = results[n]
        row = [n, *[get(r) for _, get in extra], r["runs"]]
        for key, _ in figures:
            row += [r[key].cpu, r[key].wall, r[key].mb]
        rows.append(row)
    return table(header, rows)


def generation_tables(results: dict) -> str:
    sizes = sorted(results)
    out = ["### Generation (`tdgen generate`, whole processes)", "",
           figure_table(results, GENERATE, (("files", lambda r: r["files"]),
                                            ("files/CPU s",
                                             lambda r: round(r["files"] / r["full"].cpu)))), "",
           "### Checks (`tdgen check`, whole repository, whole processes)", "",
           ("Cold: no findings cache; warm: nothing changed since the last check; one spec "
            "changed: a spec edited and `tdgen generate` run (untimed) before each check."), "",
           figure_table(results, CHECK), ""]
    if 100 in results and 500 in results:
        a, b = results[500], results[100]
        pairs = GENERATE + CHECK
        out += ["### Scaling: 500 sources / 100 sources (CPU, same run)", "",
                table([label for _, label in pairs],
                      [[ratio(a[key].cpu, b[key].cpu) for key, _ in pairs]]), ""]
    names = list(results[sizes[0]]["phases"])
    out += ["### Where the time goes (in-process, median of up to 3, seconds)", "",
            table(["phase", *[f"{n} sources {unit}" for n in sizes for unit in ("CPU", "wall")]],
                  [[name, *[results[n]["phases"].get(name, {}).get(unit, 0.0)
                            for n in sizes for unit in ("cpu", "wall")]]
                   for name in names]), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- startup


def bench_startup(cfg: Config) -> dict:
    commands = {"tdgen --help": [str(cfg.tdgen), "--help"],
                "generate-source --help": [str(cfg.generate_source), "--help"]}
    results = {}
    for name, command in commands.items():
        figure, _ = measure(command, REPO, cfg.startup_runs)
        results[name] = {"figure": figure}
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
    rows = [[name, r["figure"].runs, r["figure"].cpu, r["figure"].wall, r["heavy"]]
            for name, r in results.items()]
    return "\n".join(["### Start-up (whole processes)", "",
                      table(["command", "runs", "median CPU s", "median wall s",
                             "libraries imported (of " + ", ".join(HEAVY) + ")"], rows), ""])


# ---------------------------------------------------------------------------------- targets


def window_targets(win: dict | None, add) -> list[list]:
    """The window targets (``add`` judges one against a limit; returns rows judged here)."""
    rows = []
    by = (win or {}).get("by_rows", {})
    sizes = sorted(by)
    if len(sizes) > 1 and sizes[0] == 1_000_000 and sizes[-1] == 30_000_000:
        lo, hi = by[sizes[0]], by[sizes[-1]]
        add("window: ours grows <= 1.2x from 1 M to 30 M rows (CPU time)",
            hi["ours"]["cpu_ms"] / lo["ours"]["cpu_ms"], 1.2, "x", "{:.2f}")
        add("window: ours grows <= 1.2x from 1 M to 30 M rows (rows scanned)",
            hi["ours"]["rows"] / lo["ours"]["rows"], 1.2, "x", "{:.2f}")
        grows = hi["legacy"]["rows"] / lo["legacy"]["rows"]
        rows.append(["window: the legacy grows with the table (rows scanned, CPU time)",
                     f"{grows:.1f}x, {hi['legacy']['cpu_ms'] / lo['legacy']['cpu_ms']:.1f}x",
                     "met" if grows >= 10 else "NOT met"])
        cheaper = hi["legacy"]["rows"] / hi["ours"]["rows"]
        rows.append(["window: at 30 M rows ours >= 50x cheaper in rows scanned",
                     f"{cheaper:.1f}x", "met" if cheaper >= 50 else "NOT met"])
    else:
        rows.append(["window targets (1 M and 30 M rows)", "n/a", "not measured"])
    return rows


def targets(gen: dict | None, win: dict | None, start: dict | None, local: dict | None,
            status: dict | None = None, cost: dict | None = None) -> str:
    """Which goals the figures meet; every time is CPU time."""
    rows = []

    def add(what: str, measured: float | None, limit: float, unit: str, fmt: str = "{:.3f}"):
        if measured is None:
            rows.append([what, "n/a", "not measured"])
        else:
            text = fmt.format(measured) + unit
            rows.append([what, text, "met" if measured <= limit else "NOT met"])

    g100 = (gen or {}).get(100)
    g500 = (gen or {}).get(500)
    for size, key, label, limit in (
            (100, "full", "full render", 2.0), (100, "noop", "no-op re-render", 0.5),
            (100, "check", "`check` cold", 7.0), (100, "check_warm", "`check` warm", 1.5),
            (100, "check_changed", "`check`, one spec changed", 2.0),
            (500, "check_warm", "`check` warm", 6.0)):
        figures = (gen or {}).get(size)
        add(f"{size} sources: {label} <= {limit:g} s CPU", figures and figures[key].cpu, limit,
            " s")
    for key, label in GENERATE + (CHECK[0], CHECK[3]):
        value = g500[key].cpu / g100[key].cpu if g100 and g500 else None
        add(f"500 sources: {label} <= 5.5x the 100-source CPU time", value, 5.5, "x", "{:.2f}")
    rows += window_targets(win, add)
    help_figure = (start or {}).get("tdgen --help", {}).get("figure")
    add("`tdgen --help` <= 0.25 s CPU", help_figure and help_figure.cpu, 0.25, " s")
    for what, measured, limit, unit, fmt in local_targets(local):
        add(what, measured, limit, unit, fmt)
    status_log.status_targets(status, add)
    for what, measured, limit, unit, fmt in window_cost.targets(cost):
        add(what, measured, limit, unit, fmt)
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


def report(command: str, results: dict, elapsed: float) -> str:
    parts = ["## Results", "", "Produced by:", "", "```bash", command, "```", "",
             *machine(), f"- the whole benchmark took {elapsed:.0f} s", ""]
    parts.append(targets(*(results.get(k) for k in ("generation", "window", "startup",
                                                     "local", "status", "window_cost"))))
    for key, format_tables in (("generation", generation_tables), ("local", local_table),
                               ("window", window_tables), ("window_cost", window_cost.section),
                               ("startup", startup_table),
                               ("status", lambda r: status_log.status_table(r, table))):
        if results.get(key):
            parts.append(format_tables(results[key]))
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
    parser.add_argument("--sections",
                        default="generation,local,window,window_cost,startup,status",
                        help="any of generation, local, window, window_cost, startup, status")
    parser.add_argument("--status-rows", type=int, help="log rows for status (default 1 M)")
    parser.add_argument("--baseline", metavar="REV", help="also measure the local engine on "
                        "the tree of this git revision (e.g. 4426abc), in the same run")
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
        startup_runs=2 if smoke else 11,
        sections=[s.strip() for s in args.sections.split(",") if s.strip()],
        tdgen=bin_dir / "tdgen", generate_source=bin_dir / "generate-source",
        baseline=args.baseline, local_runs=2 if smoke else 10,
        status_rows=args.status_rows or (10_000 if smoke else 1_000_000),
        cost_rows=(10_000,) if smoke else (1_000_000, 30_000_000),
        cost_years=(1,) if smoke else (1, 5))
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
    results = {}
    with tempfile.TemporaryDirectory(prefix="tdgen-bench-") as tmp:
        work = Path(tmp)
        benches = {"generation": lambda: bench_generation(cfg, work),
                   "local": lambda: bench_local(REPO, work / "local", cfg.local_runs,
                                                cfg.repeat, cfg.baseline),
                   "window": lambda: bench_window(cfg, work),
                   "window_cost": lambda: window_cost.run(cfg.cost_rows, cfg.cost_years,
                                                          1 if len(cfg.sizes) < 2 else 3),
                   "startup": lambda: bench_startup(cfg),
                   "status": lambda: status_log.bench_status(cfg, work, REPO)}
        for name, bench in benches.items():
            if name in cfg.sections:
                results[name] = bench()
    text = report(command, results, time.perf_counter() - began)
    print(text)
    if args.output or args.write:
        write_doc(args.output or DOC, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
