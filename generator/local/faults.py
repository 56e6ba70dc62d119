"""Faults the local engine injects where reality has them (``run-local --fail/--kill``).

``OBJECT[:TASK]@RUN[#N]`` fails TASK (default ``td_load``) of OBJECT's workflow in run RUN: on
every attempt, or only the first N. ``--kill OBJECT:TASK@RUN`` ends OBJECT's attempt right after
TASK succeeded: nothing after it runs and no ``_error`` either, as when a worker is lost. TASK is
a task's name in the generated workflows (``events:log_success``, ``profiles:window``,
``events:load_object`` for the ``require>`` that runs the object); every ``td>``, ``td_load>``,
``td_ddl>``, ``require>`` and ``call>`` task can be named. An unknown object or task, or a run
past ``--runs``, is a usage error, never ignored.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..spec.diagnostics import did_you_mean

FAULT_OPERATORS = ("td>", "td_load>", "td_ddl>", "require>", "call>")
_FAULT = re.compile(r"([\w.-]+)(?::([\w-]+))?@(\d+)(?:#(\d+))?")


@dataclass(frozen=True)
class Fault:
    obj: str
    run: int  # 1-based
    attempts: int | None = None  # None: every attempt of that run
    task: str = "td_load"
    kill: bool = False

    @property
    def text(self) -> str:
        return f"{self.obj}:{self.task} in run {self.run}"

    @classmethod
    def parse(cls, text: str, kill: bool = False) -> Fault:
        option = "--kill" if kill else "--fail"
        match = _FAULT.fullmatch(text.strip())
        if not match or (kill and (match[4] or not match[2])):
            form = "OBJECT:TASK@RUN" if kill else "OBJECT[:TASK]@RUN[#ATTEMPTS]"
            raise UsageError(f"{option} {text}: expected {form} (e.g. events:log_success@2)")
        return cls(match[1], int(match[3]), int(match[4]) if match[4] else None,
                   match[2] or "td_load", kill)


def fault_tasks(workflows: Path, files: list[str]) -> set[str]:
    """The names of the tasks a fault can name in these workflow files."""
    from ..digdag.reader import DigLoadError, load_dig
    from ..digdag.tree import walk

    names = set()
    for name in files:
        try:
            dig = load_dig(workflows, name)
        except DigLoadError:
            continue
        for task in walk(dig):
            if task.operator in FAULT_OPERATORS and task.kind in ("task", "block"):
                names.add(task.name.lstrip("+"))
    return names


def validate_faults(faults: list[Fault], workflows: Path, src, hist: bool, runs: int) -> None:
    loads = src.history if hist else src.loads
    objects = {n for load in loads for n in (load.name, load.table)}
    # tasks of the objects' own workflows, and the require> that runs each: a task of the
    # source's workflow outside the objects would never match an object
    tasks = fault_tasks(workflows, [f"{load.workflow}.dig" for load in loads]) | {"load_object"}
    for fault in faults:
        option = "--kill" if fault.kill else "--fail"
        if fault.obj not in objects:
            raise UsageError(f"{option}: {src.name} has no object or table '{fault.obj}'"
                             f"{did_you_mean(fault.obj, sorted(objects))} (known: "
                             f"{', '.join(sorted(load.name for load in loads))})")
        if fault.task not in tasks:
            raise UsageError(f"{option}: no task '{fault.task}' in {src.name}'s "
                             f"{'historical' if hist else 'incremental'} workflows"
                             f"{did_you_mean(fault.task, sorted(tasks))} (tasks: "
                             f"{', '.join(sorted(tasks))})")
        if not 1 <= fault.run <= runs:
            raise UsageError(f"{option}: run {fault.run} is not one of the {runs} runs "
                             "(--runs)")


class Turnstile:
    """Two sessions take turns, one operator task each (``--overlap``)."""

    def __init__(self, order: list[int]):
        self.order = list(order)
        self.active = set(order)
        self.turn = order[0]
        self.cond = threading.Condition()

    def enter(self, me: int) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.turn == me)

    def leave(self, me: int) -> None:
        with self.cond:
            self.turn = self._next(me)
            self.cond.notify_all()

    def done(self, me: int) -> None:
        with self.cond:
            self.active.discard(me)
            if self.turn == me:
                self.turn = self._next(me)
            self.cond.notify_all()

    def _next(self, me: int) -> int:
        others = [n for n in self.order if n != me and n in self.active]
        return others[0] if others else me
