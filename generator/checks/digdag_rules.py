"""digdag: what Digdag rejects when it loads, compiles or pushes a workflow.

Rules (``digdag/<rule>``; ``reference/digdag-semantics.md`` sections A, B, E and H):

- ``load``: the file parses as Digdag parses it: no duplicate keys, ``!include`` only in the key
  form (``!include : 'path'``) and inside the including file's folder, no unknown tags, the
  included file exists and is a mapping;
- ``workflow-name``: a workflow file name does not start with a digit or ``+^@/\\:*?"<>|``;
- ``top-level-key``: only ``timezone``, ``_export``, ``schedule``, ``sla``, ``_error``,
  ``_check``, ``_retry``, ``_parallel`` and ``+tasks`` at the top level;
- ``task-name``: ``+`` then letters, digits and ``_ - = [ ] { } % & @ ` , .`` (``^`` not at the
  top level), at most 255 characters;
- ``task-config``: a task is a mapping;
- ``group-key``: a group task holds only ``timezone``, ``schedule``, ``sla``, ``_parallel``,
  ``_background``, ``_after``, ``_error``, ``_check``, ``_retry``, ``_export``, ``_secrets`` and
  ``+tasks`` (parameters for its tasks go under ``_export``);
- ``operators``: a task runs one operator; ``subtasks``: an operator task has no ``+tasks``;
- ``do-required``: ``if>`` has ``_do`` or ``_else_do``; ``for_each>``, ``for_range>`` and
  ``loop>`` have ``_do``;
- ``parallel``: ``_parallel`` is ``true``, ``false``, ``{limit: N}`` or an expression giving one;
  ``background``: no ``_background`` under a parallel parent; ``after``: ``_after`` only under a
  parallel parent, naming earlier siblings;
- ``retry``: ``_retry`` is an integer or ``{limit, interval, interval_type, max_interval}``;
  ``retry-td`` (warning): ``_retry`` on a TD job task re-polls the failed job, put it on a group;
- ``retry-no-effect`` (warning): ``_retry`` on ``echo>``, ``fail>``, ``wait>``, ``if>`` or a
  loop operator does not retry their own failure; ``parallel-no-effect`` (warning):
  ``_parallel`` on an operator task other than a loop does nothing;
- ``check-on-group`` (warning): ``_check`` on a group never runs;
- ``schedule``: one ``type>`` with a valid value, and only ``skip_on_overtime``,
  ``skip_delayed_by`` (with a unit), ``start``, ``end``; ``sla``: one of ``time``/``duration``;
  ``timezone``: a zone Java knows (IANA names, ``UTC``, offsets);
- ``file``: files named by ``td>``, ``td_wait>``, ``td_for_each>``, ``td_load>`` and ``call>``
  exist, resolved against ``_workdir`` (``${x.y}`` over a known ``for_each>`` list is expanded),
  and a ``require>`` names a workflow of the project (a ``.dig`` at its top: only those are
  workflows), unless it names another project;
- ``database`` (warning): TD job operators get a ``database`` in the workflow (task,
  ``_export``, or ``td.database``); otherwise it must come from a secret or ``--param``;
- ``table``: ``td_load>`` with a YAML config gets a ``table``;
- ``unknown-operator`` (warning): an operator Digdag and TD do not ship (a plugin the checker
  cannot model). It was ``digdag/operator``, one letter from ``digdag/operators``; the old id
  is accepted in ``--select``/``--ignore`` until 0.2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..digdag.reader import DigFile
from ..digdag.params import GROUP_KEYS
from ..digdag.tree import Task, walk
from ..findings import WARNING, Finding
from .files import ProjectFiles, expand, referenced_files
from .context import PROJECT, CheckContext

ID = "digdag"
SCOPE = PROJECT
TOP_KEYS = {"timezone", "_export", "schedule", "sla", "_error", "_check", "_retry", "_parallel"}
NAME_RX = re.compile(r"^[+^][A-Za-z0-9_\-=\[\]{}%&@`,.^]*$")
TD_JOB_OPS = {"td>", "td_load>", "td_run>", "td_ddl>", "td_for_each>", "td_wait>",
              "td_wait_table>", "td_table_export>", "td_partial_delete>", "td_result_export>"}
LOOP_OPS = {"for_each>", "for_range>", "loop>"}
NO_RETRY_OPS = LOOP_OPS | {"echo>", "fail>", "wait>", "if>"}
KNOWN_OPS = TD_JOB_OPS | LOOP_OPS | {
    "echo>", "sh>", "py>", "rb>", "call>", "require>", "if>", "fail>", "wait>", "http>",
    "http_call>", "mail>", "notify>", "embulk>", "bq>", "bq_ddl>", "bq_extract>", "bq_load>",
    "gcs_wait>", "s3_wait>", "redshift>", "redshift_load>", "redshift_unload>", "pg>", "emr>",
    "param_get>", "param_set>", "ecs>", "docker>", "_type"}


def rule(name: str) -> str:
    return f"{ID}/{name}"


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.files)


def check_project(root: Path, files: ProjectFiles | None = None) -> list[Finding]:
    files = files or ProjectFiles(root)
    findings: list[Finding] = []
    for rel in files.workflow_files():
        dig, found = files.workflow(rel)
        findings += found if dig is None else list(check_loaded(root, dig))
    return sorted(findings)


def check_loaded(root: Path, dig: DigFile) -> Iterator[Finding]:
    yield from _top(dig)
    for task in walk(dig):
        yield from _task(root, dig, task)


def _top(dig: DigFile) -> Iterator[Finding]:
    data = dig.data
    for key in data:
        if key not in TOP_KEYS and not key.startswith("+"):
            yield dig.finding((key,), rule("top-level-key"), f"Workflow includes unknown "
                              f"keys: [{key}] (allowed: timezone, _export, schedule, sla, "
                              "_error, _check, _retry, _parallel and +tasks)", key=True)
        elif key.startswith("+") and "^" in key:
            yield dig.finding((key,), rule("task-name"), f"task name '{key}' must not contain "
                              "'^' at the top level", key=True)
    if "schedule" in data:
        yield from _schedule(dig, data["schedule"])
    if "sla" in data:
        yield from _sla(dig, data["sla"])
    if "timezone" in data:
        yield from _timezone(dig, data["timezone"])


def _task(root: Path, dig: DigFile, task: Task) -> Iterator[Finding]:
    if task.kind == "task":
        if not NAME_RX.match(task.name) or len(task.name) > 255:
            yield dig.finding(task.path, rule("task-name"), f"task name '{task.name}': after "
                              "the first character only letters, digits and _ - = [ ] { } % & "
                              "@ ` , . ^ are allowed (no spaces, +, /, :, parentheses)",
                              key=True)
        if not isinstance(task.config, dict):
            yield dig.finding(task.path, rule("task-config"), f"task {task.name}: expected a "
                              "mapping of task settings")
            return
        yield from _placement(dig, task)
    config = task.config
    ops = task.operators
    if task.kind != "root" and ops:
        yield from _operator_task(root, dig, task, ops)
    elif task.kind not in ("root",):
        for key in config:
            if not (isinstance(key, str) and key.startswith(("+", "^"))) and \
                    key not in GROUP_KEYS:
                yield dig.finding(task.path + (key,), rule("group-key"), f"group task "
                                  f"{task.name} contains invalid key '{key}': a group takes "
                                  "only _export, _parallel, _retry, _error, _check, "
                                  "_background, _after, _secrets, timezone, schedule, sla and "
                                  "+tasks; put parameters for its tasks under _export",
                                  key=True)
        if "_check" in config:
            yield dig.finding(task.path + ("_check",), rule("check-on-group"), "_check on a "
                              "group never runs (it runs after an operator task succeeds)",
                              WARNING, key=True)
    if "_parallel" in config:
        yield from _parallel(dig, task)
        if task.operator and task.operator not in LOOP_OPS | {"td_for_each>"}:
            yield dig.finding(task.path + ("_parallel",), rule("parallel-no-effect"),
                              f"_parallel on a {task.operator} task does nothing (it applies "
                              "to a group's children or a loop's iterations)", WARNING, key=True)
    if "_retry" in config:
        yield from _retry(dig, task)


def _operator_task(root, dig, task: Task, ops: list[str]) -> Iterator[Finding]:
    config = task.config
    if len(ops) > 1:
        yield dig.finding(task.path + (ops[1],), rule("operators"), f"task {task.name} has "
                          f"several operators ({', '.join(ops)}); a task runs exactly one",
                          key=True)
    if task.children:
        child = task.children[0]
        yield dig.finding(task.path + (child,), rule("subtasks"), f"A task can't have "
                          f"subtasks: {task.name} runs {ops[0]} and also holds {child}",
                          key=True)
    op = ops[0]
    if op == "if>" and "_do" not in config and "_else_do" not in config:
        yield dig.finding(task.path + (op,), rule("do-required"), "if> needs _do or _else_do "
                          "(Both _do and _else_do are not specified)", key=True)
    if op in LOOP_OPS and "_do" not in config:
        yield dig.finding(task.path + (op,), rule("do-required"), f"{op} needs _do", key=True)
    if op not in KNOWN_OPS:
        yield dig.finding(task.path + (op,), rule("unknown-operator"), f"operator {op} is not one "
                          "Digdag or TD ships; the checker cannot model it (a plugin?)",
                          WARNING, key=True)
    if op in TD_JOB_OPS:
        yield from _td(root, dig, task, op)
    elif op == "call>" and isinstance(config[op], str):
        target = config[op] if config[op].endswith(".dig") else config[op] + ".dig"
        yield from _files_exist(root, dig, task, op, target)
    elif op == "require>" and isinstance(config[op], str) and not (
            {"project_id", "project_name"} & set(config)):
        yield from _required_workflows(root, dig, task)


def _placement(dig, task: Task) -> Iterator[Finding]:
    config = task.config
    parallel = task.parent_parallel not in (None, False, "false")
    if config.get("_background") in (True, "true") and parallel:
        yield dig.finding(task.path + ("_background",), rule("background"), "Setting "
                          "\"_background: true\" option is invalid (unnecessary) if its parent "
                          "task has \"_parallel: true\" option", key=True)
    if "_after" in config:
        if not parallel:
            yield dig.finding(task.path + ("_after",), rule("after"), "Setting \"_after\" "
                              "option is invalid if its parent task doesn't have \"_parallel: "
                              "true\" option", key=True)
        after = config["_after"]
        names = after if isinstance(after, list) else [after]
        for name in names:
            if name not in task.siblings_before:
                yield dig.finding(task.path + ("_after",), rule("after"), f"Dependency task "
                                  f"'{name}' does not exist among the earlier siblings")


def _parallel(dig, task: Task) -> Iterator[Finding]:
    value = task.config["_parallel"]
    if isinstance(value, str) and "${" in value:
        match = re.fullmatch(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}", value.strip())
        exported = task.scope.exports.get(match.group(1)) if match else None
        if exported is None or isinstance(exported, str) and "${" in exported:
            return
        value = exported
    ok = value in (True, False, "true", "false", "True", "False") or (
        isinstance(value, dict) and set(value) == {"limit"} and (
            isinstance(value["limit"], int) and not isinstance(value["limit"], bool)
            and value["limit"] > 0 or isinstance(value["limit"], str) and "${" in value["limit"]))
    if not ok:
        shown = value if not isinstance(value, dict) else dict(value)
        yield dig.finding(task.path + ("_parallel",), rule("parallel"), f"Expected 'true' or "
                          f"'false' for key '_parallel' (or {{limit: N}}) but got {shown!r}")


def _retry(dig, task: Task) -> Iterator[Finding]:
    value = task.config["_retry"]
    path = task.path + ("_retry",)
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int) or (isinstance(value, str) and (value.strip().isdigit()
                                                               or "${" in value)):
        ok = True
    elif isinstance(value, dict):
        unknown = set(value) - {"limit", "interval", "interval_type", "max_interval"}
        kind = str(value.get("interval_type", "constant")).lower()
        ok = "limit" in value and not unknown and kind in ("constant", "exponential")
    else:
        ok = False
    if not ok:
        yield dig.finding(path, rule("retry"), "_retry takes an integer or {limit, interval, "
                          "interval_type: constant|exponential, max_interval}")
    if task.operator in NO_RETRY_OPS:
        yield dig.finding(path, rule("retry-no-effect"), f"_retry on {task.operator} does not "
                          "retry its own failure (the operator ignores it); put _retry on a "
                          "group", WARNING, key=True)
    if task.operator in TD_JOB_OPS:
        yield dig.finding(path, rule("retry-td"), f"_retry on a {task.operator} task re-polls "
                          "the same failed job; put _retry on a group around it (or use "
                          "job_retry)", WARNING, key=True)


def _td(root, dig, task: Task, op: str) -> Iterator[Finding]:
    config, exports = task.config, task.scope.exports
    td_defaults = exports.get("td") if isinstance(exports.get("td"), dict) else {}
    if not (config.get("database") or exports.get("database") or td_defaults.get("database")):
        yield dig.finding(task.path + (op,), rule("database"), f"{op} has no database in the "
                          "workflow: it must come from a td.database secret or --param; set "
                          "`database:` on the task or `_export: {td: {database: ...}}`",
                          WARNING, key=True)
    command = config[op]
    if op == "td_load>" and isinstance(command, str) and command.endswith((".yml", ".yaml")):
        if not (config.get("table") or exports.get("table") or td_defaults.get("table")):
            yield dig.finding(task.path + (op,), rule("table"), "td_load> with a YAML config "
                              "needs `table:` (table or db.table)", key=True)
        yield from _files_exist(root, dig, task, op, command)
    elif op in ("td>", "td_wait>", "td_for_each>") and isinstance(command, str) and command:
        yield from _files_exist(root, dig, task, op, command)


def _required_workflows(root, dig, task: Task) -> Iterator[Finding]:
    """``require>`` runs a workflow by name: a top-level ``.dig`` of this project."""
    for name in expand(task.config["require>"], task.scope.loops):
        if name is None:
            continue
        file = name if name.endswith(".dig") else name + ".dig"
        if "/" in file or not Path(root, file).is_file():
            yield dig.finding(task.path + ("require>",), rule("file"), f"require> {name}: no "
                              f"workflow {file} at the top of the project (only top-level "
                              ".dig files are workflows)")


def _files_exist(root, dig, task: Task, op: str, target: str) -> Iterator[Finding]:
    for rel in referenced_files(task):
        if rel is None:
            continue
        resolved = Path(root, rel).resolve()
        if not resolved.is_relative_to(root.resolve()):
            yield dig.finding(task.path + (op,), rule("file"), f"{rel} is outside the project")
        elif not resolved.is_file():
            yield dig.finding(task.path + (op,), rule("file"), f"file {rel} does not exist")


def _schedule(dig: DigFile, schedule) -> Iterator[Finding]:
    from ..digdag.schedule import problems

    for sub, key, message in problems(schedule):
        yield dig.finding(("schedule",) + sub, rule("schedule"), f"schedule: {message}", key=key)


def _sla(dig, sla) -> Iterator[Finding]:
    if not isinstance(sla, dict):
        yield dig.finding(("sla",), rule("sla"), "sla must be a mapping")
        return
    kinds = [k for k in ("time", "duration") if k in sla]
    if len(kinds) != 1:
        yield dig.finding(("sla",), rule("sla"), "sla takes exactly one of time or duration")
    for kind in kinds:
        if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", str(sla[kind])):
            yield dig.finding(("sla", kind), rule("sla"), f"sla {kind} takes HH:MM[:SS]")


def _timezone(dig, zone) -> Iterator[Finding]:
    from ..digdag.schedule import timezone_problem

    problem = timezone_problem(zone)
    if problem:
        yield dig.finding(("timezone",), rule("timezone"), problem)
