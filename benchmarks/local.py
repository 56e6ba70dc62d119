"""The local engine's figures: ``run-local`` and ``plan`` of the reference source, measured on
this checkout and, with ``--baseline REV``, on the tree of REV in the same run.

REV's tree comes from ``git archive`` into a temporary folder (the repository, its branches and
worktrees are left alone) and runs with this virtualenv, ``PYTHONPATH`` pointing at it; this
checkout runs the same way, so both pay the same start-up.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from measure import Figure, measure, ratio, table

SOURCE = "klaviyo"
NOW = "2026-11-01T00:00:00Z"
TDGEN = "import sys; sys.argv[0] = 'tdgen'; from generator.cli import main; main()"


def checkout(repo: Path, rev: str, dest: Path) -> Path:
    """The files of ``rev`` at ``dest``."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=repo,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def commands(tree: Path, work: Path, runs: int) -> dict[str, list[str]]:
    """``run-local SOURCE --runs N --fresh``, then ``plan SOURCE --log`` on its database."""
    work.mkdir(parents=True, exist_ok=True)
    tdgen = [sys.executable, "-c", TDGEN]
    db = work / "local.duckdb"
    return {"run_local": [*tdgen, "run-local", SOURCE, "--runs", str(runs), "--now", NOW,
                          "--fresh", "--db", str(db)],
            "plan": [*tdgen, "plan", SOURCE, "--log", str(db)]}


def bench_local(repo: Path, work: Path, runs: int, times: int, baseline: str | None) -> dict:
    """The trees' figures, their runs interleaved (one of each in turn, after one untimed
    run each), so that both see the same load on a shared machine."""
    trees = {"this checkout": repo}
    if baseline:
        trees[f"baseline {baseline}"] = checkout(repo, baseline, work / "baseline-tree")
    jobs = [(name, key, command, tree) for i, (name, tree) in enumerate(trees.items())
            for key, command in commands(tree, work / f"db{i}", runs).items()]
    # this checkout keeps translations in .tdgen/cache/: measured cold (no cache: it is put
    # aside for the run, and back after it) and warm (the cache the same commands left)
    jobs += [("this checkout", f"{key}_cold", command, tree)
             for name, key, command, tree in list(jobs) if name == "this checkout"]
    samples: dict[tuple[str, str], list] = {(name, key): [] for name, key, _, _ in jobs}
    # and warm at a time it has not run at (new session ids and times in every statement),
    # which is what a user's next invocation is: --now moves on by 3 days 7 hours each turn
    samples["this checkout", "run_local_new"] = []
    floor: list[dict] = []  # DuckDB's part of this checkout's run-local, warm (local_floor.py)
    floor_command = [sys.executable, str(Path(__file__).with_name("local_floor.py")), str(repo),
                     str(work / "floor.duckdb"), str(runs), NOW]
    for turn in range(times + 1):
        if turn:
            out = measure(floor_command, repo, 1, env=_env(repo))[1]
            floor.append(json.loads(out.strip().splitlines()[-1]))
        for name, key, command, tree in jobs:
            # bytecode is written by the untimed first turn and used after it, as a user's
            # installation has it (an environment with PYTHONDONTWRITEBYTECODE would make
            # every run compile every module again)
            env = _env(tree)
            kept = _put_aside(tree) if key.endswith("_cold") else None
            if turn:  # the first turn compiles each tree's bytecode: not timed
                samples[name, key].append(measure(command, tree, 1, env=env)[0])
            else:
                measure(command, tree, 1, env=env)
            if kept is not None:
                _put_back(tree, kept)
        if turn:
            moment = (datetime.fromisoformat(NOW) + timedelta(days=3 * turn, hours=7 * turn))
            command = commands(repo, work / "db-new", runs)["run_local"]
            command[command.index(NOW)] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            samples["this checkout", "run_local_new"].append(
                measure(command, repo, 1, env=_env(repo))[0])
    figures = {name: {key: _median(samples[name, key]) for n, key, _, _ in jobs if n == name}
               for name in trees}
    if samples["this checkout", "run_local_new"]:
        figures["this checkout"]["run_local_new"] = _median(
            samples["this checkout", "run_local_new"])
    print("  local engine done", file=sys.stderr)
    return {"runs": runs, "trees": figures, "floor": {
        key: statistics.median(f[key] for f in floor) for key in ("cpu", "duckdb", "statements")
    } if floor else None}


def _env(tree: Path) -> dict[str, str]:
    """The environment a tree's commands run in: the tree first on the path, bytecode
    written (see bench_local)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    return env


def _put_aside(tree: Path) -> dict[Path, bytes]:
    """Remove the tree's translation cache, returning its files."""
    kept = {}
    for path in (tree / ".tdgen" / "cache").glob("sql-*.json"):
        kept[path] = path.read_bytes()
        path.unlink()
    return kept


def _put_back(tree: Path, kept: dict[Path, bytes]) -> None:
    for path in (tree / ".tdgen" / "cache").glob("sql-*.json"):
        path.unlink()
    for path, data in kept.items():
        path.write_bytes(data)


def _median(figures: list[Figure]) -> Figure:
    return Figure(statistics.median(f.wall for f in figures),
                  statistics.median(f.cpu for f in figures), max(f.mb for f in figures),
                  len(figures))


def _rows(trees: dict) -> list[tuple[str, dict]]:
    """(label, {"run_local": Figure, "plan": Figure}) per tree and, for a tree with a
    translation cache, per state of the cache."""
    out = []
    for name, f in trees.items():
        if "run_local_cold" in f:
            out.append((f"{name}, cold (cache emptied)",
                        {"run_local": f["run_local_cold"], "plan": f["plan_cold"]}))
            out.append((f"{name}, warm (cache filled)", f))
            if "run_local_new" in f:
                out.append((f"{name}, warm, a new --now each run",
                            {"run_local": f["run_local_new"], "plan": None}))
        else:
            out.append((name, f))
    return out


def local_table(results: dict) -> str:
    trees = results["trees"]
    # a row without plan (None) shows n/a there
    rows = [[label, f["run_local"].runs, f["run_local"].cpu, f["run_local"].wall,
             getattr(f["plan"], "cpu", "n/a"), getattr(f["plan"], "wall", "n/a")]
            for label, f in _rows(trees)]
    if len(trees) == 2:
        (_, base) = list(trees.items())[1]
        for label, now in _rows(dict(list(trees.items())[:1])):
            rows.append([f"{label} / baseline", "", ratio(now["run_local"].cpu,
                                                          base["run_local"].cpu),
                         ratio(now["run_local"].wall, base["run_local"].wall),
                         ratio(getattr(now["plan"], "cpu", None), base["plan"].cpu),
                         ratio(getattr(now["plan"], "wall", None), base["plan"].wall)])
    runs = results["runs"]
    heading = (f"### Local engine (`run-local {SOURCE} --runs {runs} --fresh`, then "
               f"`plan {SOURCE} --log` on its database; whole processes)")
    lines = [heading, "", table(["code", "runs", "run-local CPU s", "run-local wall s",
                                 "plan CPU s", "plan wall s"], rows), ""]
    floor = results.get("floor")
    if floor:
        base = next((f for name, f in trees.items() if name.startswith("baseline")), None)
        share = (f"; the baseline's whole run-local: {base['run_local'].cpu:.3f} s, so DuckDB "
                 f"alone is {ratio(floor['duckdb'], base['run_local'].cpu)} of it"
                 if base else "")
        lines += [f"DuckDB's part of this checkout's run-local (warm, in-process, "
                  f"`benchmarks/local_floor.py`): {floor['duckdb']:.3f} s of {floor['cpu']:.3f} s "
                  f"CPU for {floor['statements']:.0f} `td>` statements{share}.", ""]
    return "\n".join(lines)


def local_targets(results: dict | None) -> list[tuple[str, float | None, float, str, str]]:
    """(what, measured, limit, unit, format) of the local engine's targets."""
    trees = (results or {}).get("trees", {})
    now = trees.get("this checkout")
    base = next((f for name, f in trees.items() if name.startswith("baseline")), None)
    out = []
    for state, suffix in (("cold", "_cold"), ("warm", "")):
        if now is None or f"run_local{suffix}" not in now:
            continue
        half = now[f"run_local{suffix}"].cpu / base["run_local"].cpu if base else None
        out += [(f"`run-local klaviyo --runs 10` {state} <= 0.5x the baseline (CPU)", half,
                 0.5, "x", "{:.2f}"),
                (f"`plan klaviyo --log FILE` {state} <= 0.35 s CPU", now[f"plan{suffix}"].cpu,
                 0.35, " s", "{:.3f}")]
    if now is not None and "run_local_new" in now:
        out.append(("`run-local klaviyo --runs 10` warm, a new --now <= 0.5x the baseline (CPU)",
                    now["run_local_new"].cpu / base["run_local"].cpu if base else None, 0.5,
                    "x", "{:.2f}"))
    return out or [("`run-local klaviyo --runs 10` <= 0.5x the baseline (CPU)", None, 0.5,
                    "x", "{:.2f}"), ("`plan klaviyo --log FILE` <= 0.35 s CPU", None, 0.35,
                                     " s", "{:.3f}")]
