"""A Digdag interpreter for what ingestion workflows use, run on this machine.

Modelled (``reference/digdag-semantics.md`` B, C, D): ``!include``; ``_export`` scoping and
store params with Digdag's precedence (exports, then stores, then built-ins, then the task's
own keys); sequential groups (a failure blocks the later siblings); ``_parallel: true`` and
``{limit: N}`` (run in definition order, each branch seeing only the stores from before the
group, merged in definition order afterwards; chunks of N are barriers); ``for_each>``
(Cartesian product, ``_parallel`` copied), ``loop>``, ``if>`` (``_do`` / ``_else_do``);
``_error`` on tasks and groups with ``error.message``; ``_retry`` on groups (the children run
again from scratch) and on operators; ``call>``; ``echo>``, ``fail>``, ``td>``, ``td_load>``,
``td_ddl>``. ``${...}`` is evaluated by a JavaScript engine over the whole merged config at
each operator task, so an undefined variable fails the task. Any other operator or option
fails the task with a clear "not modelled" message: nothing is skipped silently.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from ..digdag.evaluate import EvaluationError, render
from ..digdag.params import CONTROL_KEYS, merge_copy, scoped
from ..digdag.reader import DigLoadError, load_dig
from .clock import Session
from .operators import OperatorError, run_operator

# Operators whose task-level _retry re-polls the job that failed instead of running it again
# (TDOperator keeps the submitted job id in its state params; digdag-semantics B.4).
JOB_OPERATORS = {"td>", "td_load>", "td_run>", "td_for_each>", "td_table_export>",
                 "td_result_export>", "td_partial_delete>"}


class TaskFailed(Exception):
    """An operator failed; ``message`` becomes ``error.message``."""


class Killed(Exception):
    """The attempt's worker was lost: nothing after the task runs, no ``_error`` either."""


@dataclass
class TaskRecord:
    name: str
    state: str  # success | error
    message: str = ""


@dataclass
class Attempt:
    success: bool
    tasks: list[TaskRecord] = field(default_factory=list)
    error: str = ""
    stores: dict = field(default_factory=dict)
    killed: bool = False


@dataclass
class Context:
    exports: dict  # merged exports seen by this task (raw, unevaluated)
    workdir: str
    name: str  # full task name, e.g. +wf+load+td_load
    error: dict | None = None  # the `error` variable inside _error subtrees


class Interpreter:
    """Runs one attempt of a workflow of a Digdag project folder."""

    def __init__(self, project: Path, services, session: Session, params: dict | None = None,
                 echo: Callable[[str], None] | None = None):
        self.project = project
        self.services = services  # engine, connector, clock, secrets, failures
        self.session = session
        self.params = params or {}
        self.echo = echo or (lambda _line: None)
        self.records: list[TaskRecord] = []
        self.timezone = "UTC"

    # ---- entry point -------------------------------------------------------------------
    def run(self, workflow: str) -> Attempt:
        try:
            dig = load_dig(self.project, workflow, getattr(self.services, "reads", None))
        except DigLoadError as exc:
            return Attempt(False, error=str(exc))
        config = dig.data if isinstance(dig.data, dict) else {}
        self.timezone = str(config.get("timezone", "UTC"))
        name = "+" + workflow[:-4]
        try:
            ok, stores, message = self._task(config, Context({}, "", name), {})
        except Killed as exc:
            return Attempt(False, self.records, str(exc), killed=True)
        return Attempt(ok, self.records, message, stores)

    def now(self) -> datetime:
        """The clock of every query of this attempt: its session time, unless it overlaps a
        later session (then both run at that later time)."""
        return self.session.clock or self.session.time

    # ---- tasks -------------------------------------------------------------------------
    def _task(self, config, ctx: Context, stores: dict) -> tuple[bool, dict, str]:
        """Run one task (operator or group) with its _retry and _error; return its stores."""
        if not isinstance(config, dict):
            return self._failed(ctx, "task settings must be a mapping")
        exports, workdir = scoped(ctx.exports, ctx.workdir, config, merge_copy)
        inner = Context(exports, workdir, ctx.name, ctx.error)
        retries = self._retry_limit(config)
        repolls = self._is_operator(config) and bool(JOB_OPERATORS & set(config))
        ok, delta, message = False, {}, ""
        for attempt in itertools.count():
            if attempt and repolls:  # the retried task polls the failed job again
                self.records.append(TaskRecord(ctx.name, "error", message))
            elif self._is_operator(config):
                ok, delta, message = self._operator(config, inner, stores)
            else:
                ok, delta, message = self._group(config, inner, stores)
            if ok or attempt >= retries:
                break
            what = "re-polls the failed job" if repolls else "runs the group again"
            self.echo(f"{ctx.name}: retry {attempt + 1} of {retries} ({what}) after: {message}")
        if not ok and isinstance(config.get("_error"), dict):
            error = {"message": message}
            err_ctx = Context(exports, workdir, ctx.name + "^error", error)
            self._task(config["_error"], err_ctx, merge_copy(stores, delta))
        return ok, delta, message

    @staticmethod
    def _is_operator(config: dict) -> bool:
        return any(isinstance(k, str) and k.endswith(">") for k in config) or "_type" in config

    def _retry_limit(self, config: dict) -> int:
        value = config.get("_retry")
        if value is None:
            return 0
        if isinstance(value, dict):
            value = value.get("limit", 0)
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    def _children(self, config: dict) -> list[str]:
        return [k for k in config if isinstance(k, str) and k.startswith("+")]

    def _group(self, config: dict, ctx: Context, stores: dict) -> tuple[bool, dict, str]:
        names = self._children(config)
        parallel = config.get("_parallel")
        if isinstance(parallel, str) and "${" in parallel:
            parallel = render(parallel, self._params(ctx, stores, {}))
        limit = self._limit(parallel)
        if not limit:
            return self._sequential(config, names, ctx, stores)
        delta, messages = {}, []
        for start in range(0, len(names), limit):
            chunk = names[start:start + limit]
            results = [self._task(config[n], self._child_ctx(ctx, n), stores) for n in chunk]
            for ok, child_delta, message in results:
                delta = merge_copy(delta, child_delta)
                if not ok:
                    messages.append(message)
            if messages:  # a barrier: later chunks never start
                return False, delta, messages[-1]
            stores = merge_copy(stores, delta)
        return True, delta, ""

    def _sequential(self, config, names, ctx, stores):
        delta: dict = {}
        for name in names:
            ok, child_delta, message = self._task(config[name], self._child_ctx(ctx, name),
                                                  merge_copy(stores, delta))
            delta = merge_copy(delta, child_delta)
            if not ok:
                return False, delta, message
        return True, delta, ""

    @staticmethod
    def _limit(parallel) -> int:
        if parallel in (True, "true", "True"):
            return 10**9
        if isinstance(parallel, dict):
            return int(parallel.get("limit", 0) or 0)
        return 0

    @staticmethod
    def _child_ctx(ctx: Context, name: str) -> Context:
        return Context(ctx.exports, ctx.workdir, ctx.name + name, ctx.error)

    def _failed(self, ctx: Context, message: str) -> tuple[bool, dict, str]:
        self.records.append(TaskRecord(ctx.name, "error", message))
        self.echo(f"{ctx.name}: error: {message}")
        return False, {}, message

    # ---- operators ---------------------------------------------------------------------
    def _operator(self, config: dict, ctx: Context, stores: dict) -> tuple[bool, dict, str]:
        op = next(k for k in config if isinstance(k, str) and k.endswith(">"))
        try:
            params = self._evaluated(config, ctx, stores)
        except EvaluationError as exc:
            return self._failed(ctx, str(exc))
        if op == "if>":
            return self._if(config, params, ctx, stores)
        if op in ("for_each>", "loop>"):
            return self._loop(op, config, params, ctx, stores)
        if op in ("call>", "require>"):
            try:
                self.services.before_task(op, ctx, params, self)
            except OperatorError as exc:
                return self._failed(ctx, str(exc))
            result = (self._call if op == "call>" else self._require)(params, ctx, stores)
            if result[0]:
                self.services.after_task(op, ctx, params, self)
            return result
        try:
            delta = self._leaf(op, params, ctx)
        except (OperatorError, EvaluationError) as exc:
            return self._failed(ctx, str(exc))
        self.records.append(TaskRecord(ctx.name, "success"))
        self.services.after_task(op, ctx, params, self)
        return True, delta, ""

    def _leaf(self, op: str, params: dict, ctx: Context) -> dict:
        self.services.enter(self.session)
        try:
            self.services.before_task(op, ctx, params, self)
            return run_operator(op, params, self, ctx)
        finally:
            self.services.leave(self.session)

    def builtins(self, ctx: Context) -> dict:
        from .clock import session_variables

        values = session_variables(self.session, self.timezone)
        values["task_name"] = ctx.name
        return values

    def _params(self, ctx: Context, stores: dict, local: dict) -> dict:
        merged = merge_copy(self.params, ctx.exports)
        merged = merge_copy(merged, stores)
        merged = merge_copy(merged, self.builtins(ctx))
        if ctx.error is not None:
            merged["error"] = ctx.error
        return merge_copy(merged, local)

    def _evaluated(self, config: dict, ctx: Context, stores: dict) -> dict:
        """The task's merged config, each string evaluated once, in key order."""
        local = {k: v for k, v in config.items() if k not in CONTROL_KEYS
                 and not (isinstance(k, str) and k.startswith("+"))}
        raw = self._params(ctx, stores, local)
        done: dict = {}
        for key, value in raw.items():
            done[key] = self._evaluate_value(value, {**raw, **done})
        for key in ("_do", "_else_do"):
            if key in config:
                done[key] = config[key]
        return done

    def _evaluate_value(self, value, params: dict):
        if isinstance(value, str):
            return render(value, params) if "$" in value else value
        if isinstance(value, dict):
            return {k: self._evaluate_value(v, params) for k, v in value.items()}
        if isinstance(value, list):
            return [self._evaluate_value(v, params) for v in value]
        return value

    def _if(self, config, params, ctx, stores):
        value = params.get("if>")
        truth = _boolean(value)
        if truth is None:
            return self._failed(ctx, f"if>: expected true or false, got {value!r}")
        self.records.append(TaskRecord(ctx.name, "success"))
        block = config.get("_do" if truth else "_else_do")
        if block is None:
            return True, {}, ""
        return self._task(block, Context(ctx.exports, ctx.workdir, ctx.name + "^sub",
                                         ctx.error), stores)

    def _loop(self, op, config, params, ctx, stores):
        try:
            iterations = _iterations(op, params)
        except ValueError as exc:
            return self._failed(ctx, str(exc))
        group: dict = {"_parallel": config.get("_parallel")} if "_parallel" in config else {}
        for i, variables in enumerate(iterations):
            body = copy.deepcopy(config.get("_do") or {})
            body["_export"] = merge_copy(body.get("_export") or {}, variables)
            group[f"+{op[:-1].replace('_', '-')}-{i}"] = body
        self.records.append(TaskRecord(ctx.name, "success"))
        return self._group(group, Context(ctx.exports, ctx.workdir, ctx.name + "^sub",
                                          ctx.error), stores)

    def _call(self, params, ctx, stores):
        target = str(params["call>"])
        target = target if target.endswith(".dig") else target + ".dig"
        rel = (PurePosixPath(ctx.workdir or ".") / target).as_posix()
        try:
            dig = load_dig(self.project, rel, getattr(self.services, "reads", None))
        except DigLoadError as exc:
            return self._failed(ctx, str(exc))
        called = dict(dig.data or {})
        folder = PurePosixPath(rel).parent.as_posix()
        exports = merge_copy(ctx.exports, called.pop("_export", None) or {})
        if folder != ".":
            exports["_workdir"] = folder
        for key in ("timezone", "schedule", "sla"):
            called.pop(key, None)
        self.records.append(TaskRecord(ctx.name, "success"))
        sub = Context(exports, folder if folder != "." else "", ctx.name + "^sub", ctx.error)
        return self._task(called, sub, stores)

    def _require(self, params, ctx, stores):
        """``require>``: the other workflow runs as its own attempt of its own session at this
        session time (params: only ``params:``); an attempt that already ran for that session
        is not run again unless ``rerun_on`` says so; its failure fails this task unless
        ``ignore_failure: true`` (digdag-semantics B.7)."""
        workflow = str(params["require>"])
        workflow = workflow if workflow.endswith(".dig") else workflow + ".dig"
        rerun = str(params.get("rerun_on", "none")).lower()
        previous = self.services.attempts.get((workflow, self.session.time))
        if previous is not None and (rerun == "none" or (rerun == "failed" and previous)):
            ok = previous
        else:
            child = Interpreter(self.project, self.services, self.services.new_session(
                self.session), dict(params.get("params") or {}), self.echo)
            attempt = child.run(workflow)
            self.records.extend(child.records)
            ok = attempt.success
            self.services.attempts[(workflow, self.session.time)] = ok
            if not ok:
                self.echo(f"{ctx.name}: {workflow} failed"
                          f"{' (worker lost)' if attempt.killed else ''}: {attempt.error}")
        if not ok and _boolean(params.get("ignore_failure", False)) is not True:
            return self._failed(ctx, f"required workflow {workflow} failed")
        self.records.append(TaskRecord(ctx.name, "success"))
        return True, {}, ""


def _boolean(value):
    if value in (True, "true", "True"):
        return True
    if value in (False, "false", "False"):
        return False
    return None


def _iterations(op: str, params: dict) -> list[dict]:
    if op == "loop>":
        count = params.get("loop>") or params.get("count")
        return [{"i": i} for i in range(int(count))]
    spec = params["for_each>"]
    if isinstance(spec, str):
        spec = json.loads(spec)
    if not isinstance(spec, dict):
        raise ValueError("for_each>: expected a map of lists")
    keys, lists = [], []
    for key, values in spec.items():
        if isinstance(values, str):
            try:
                values = json.loads(values)
            except ValueError:
                raise ValueError(f"for_each>: {key} is not a list or JSON list: "
                                 f"{values[:60]!r}") from None
        if not isinstance(values, list):
            raise ValueError(f"for_each>: {key} must be a list")
        keys.append(key)
        lists.append(values)
    return [dict(zip(keys, combo)) for combo in itertools.product(*lists)]

