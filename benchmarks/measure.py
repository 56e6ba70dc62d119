"""How the benchmarks measure a process: wall time, CPU time and peak memory, as medians.

CPU time is the child's user + system time from ``wait4``, which includes the processes it
waited for (yamllint under ``tdgen check``). On a shared machine wall time moves with the
neighbours' load while CPU time does not, so the targets are judged on CPU time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """Medians of several runs of one command; ``mb`` is the largest peak RSS."""

    wall: float
    cpu: float
    mb: float
    runs: int


def run(command: list[str], cwd: Path, expect: tuple[int, ...] = (0,),
        env: dict | None = None) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS in KB, stdout and stderr) of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output = out.read().decode("utf-8", "replace") + err.read().decode("utf-8", "replace")
        if process.returncode not in expect:
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode} in {cwd}:\n"
                               f"{output[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, output


def measure(command: list[str], cwd: Path, times: int, before=None,
            env: dict | None = None) -> tuple[Figure, str]:
    """The medians of ``times`` runs (``before()`` runs, untimed, ahead of each); the last
    output."""
    walls, cpus, peaks, output = [], [], [], ""
    for _ in range(times):
        if before:
            before()
        wall, cpu, peak, output = run(command, cwd, env=env)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return Figure(statistics.median(walls), statistics.median(cpus), max(peaks) / 1024,
                  times), output


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
