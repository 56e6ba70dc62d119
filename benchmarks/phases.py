"""In-process phases of generate and check on one repository, as JSON (for benchmarks/run.py).

Usage: python benchmarks/phases.py ROOT REPEAT

Each phase is timed REPEAT times in this one process (after the imports, which a process pays
once) and the medians are printed, in seconds of wall and of CPU time (the processes waited for,
yamllint, included): where the time of a whole command goes.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path


def cpu() -> float:
    """CPU seconds of this process (fine-grained) and of the children it waited for."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def timed(func):
    """((wall s, CPU s), func's result)."""
    start, used = time.perf_counter(), cpu()
    result = func()
    return (time.perf_counter() - start, cpu() - used), result


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    repeat = int(sys.argv[2])
    start, used = time.perf_counter(), cpu()
    from generator.checks import (
        digdag_rules,
        expressions,
        load_config,
        references,
        spec,
        sql,
        style,
        timestamps,
    )
    try:
        from generator.checks.files import ProjectFiles
    except ImportError:  # a tdgen from before ProjectFiles: each check reads for itself
        ProjectFiles = None
    from generator.spec.project import load_project
    from generator.render.plan import plan
    from generator.render.writer import compare

    times: dict[str, list[tuple[float, float]]] = {
        "imports": [(time.perf_counter() - start, cpu() - used)]}

    def add(name: str, seconds: tuple[float, float]) -> None:
        times.setdefault(name, []).append(seconds)

    workflows = root / "workflows"
    credentials = root / "credentials_ingestion.example.json"
    for _ in range(repeat):
        seconds, project = timed(lambda: load_project(root))
        add("generate: load and validate specs", seconds)
        seconds, files = timed(lambda project=project: plan(project))
        add("generate: render (plan)", seconds)
        seconds, _ = timed(lambda files=files: compare(root, files))
        add("generate: compare with the tree", seconds)
        add("check: spec", timed(lambda: spec.check_repository(root))[0])
        shared = ProjectFiles(workflows) if ProjectFiles else None
        if shared is not None:
            add("check: load workflows", timed(lambda s=shared: list(s.workflows()))[0])
        extra = (shared,) if shared is not None else ()
        for name, check, args in (
                ("digdag", digdag_rules.check_project, (workflows, *extra)),
                ("expr", expressions.check_project, (workflows, *extra)),
                ("sql", sql.check_project, (workflows, *extra)),
                ("load-config", load_config.check_project, (workflows, *extra)),
                ("references", references.check_project, (workflows, credentials, *extra))):
            add(f"check: {name}", timed(lambda check=check, args=args: check(*args))[0])
        add("check: timestamp", timed(lambda: timestamps.check_repository(root))[0])
        add("check: style (yamllint, no cache)", timed(lambda: style.check_project(workflows))[0])
    print(json.dumps({name: {"wall": statistics.median(w for w, _ in values),
                             "cpu": statistics.median(c for _, c in values)}
                      for name, values in times.items()}))


if __name__ == "__main__":
    main()
