"""digdag: a workflow obeys the rules Digdag applies when it loads, compiles and pushes it.

Checked (``reference/digdag-semantics.md`` A, B, E, H): the file loads (duplicate keys,
``!include`` key form inside the folder, tags); only ``timezone``, ``_export``, ``schedule``,
``sla``, ``_error``, ``_check``, ``_retry``, ``_parallel`` and ``+tasks`` at the top level; group
tasks hold only the group keys and ``+children``; task names use Digdag's characters; one
operator per task and no subtasks beside it; ``if>`` has ``_do`` or ``_else_do``, loops have
``_do``; files named by ``td>``, ``td_load>`` and ``call>`` exist (``${datasource.X}`` is
expanded over the ``for_each>`` list when it is known); TD job operators get a ``database``;
``td_load>`` with a YAML file gets a ``table``; a schedule has one ``type>`` and known keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..digdag.reader import DigFile, DigLoadError, load_dig, workflow_files
from ..findings import ERROR, Finding

ID = "digdag"
TOP_KEYS = {"timezone", "_export", "schedule", "sla", "_error", "_check", "_retry", "_parallel"}
GROUP_KEYS = {"timezone", "schedule", "sla", "_parallel", "_background", "_after", "_error",
              "_check", "_retry", "_export", "_secrets"}
NAME_RX = re.compile(r"^[+^][A-Za-z0-9_\-=\[\]{}%&@`,.^]*$")
TD_JOB_OPS = {"td>", "td_load>", "td_run>", "td_ddl>", "td_for_each>", "td_wait>",
              "td_wait_table>", "td_table_export>", "td_partial_delete>", "td_result_export>"}
LOOP_OPS = {"for_each>", "for_range>", "loop>"}
SCHEDULE_TYPES = {"hourly>", "daily>", "weekly>", "monthly>", "minutes_interval>", "cron>",
                  "seconds_interval>"}
SCHEDULE_KEYS = {"skip_on_overtime", "skip_delayed_by", "start", "end"}
_VAR_RX = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class _Scope:
    exports: dict = field(default_factory=dict)
    loops: dict = field(default_factory=dict)  # loop variable -> its list (when known)
    workdir: str = ""


def check_project(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for rel in workflow_files(root):
        findings += check_workflow(root, rel)
    return sorted(findings)


def check_workflow(root: Path, rel: str) -> list[Finding]:
    if rel[:1].isdigit() or rel[:1] in '+^@/\\:*?"<>|':
        return [Finding(rel, 1, 1, ID, ERROR, f"workflow name '{rel[:-4]}' must not start "
                        "with a digit or one of + ^ @ / \\ : * ? \" < > |")]
    try:
        dig = load_dig(root, rel)
    except DigLoadError as exc:
        return [exc.finding]
    if not isinstance(dig.data, dict):
        return [Finding(rel, 1, 1, ID, ERROR, "a workflow must be a YAML mapping")]
    return list(_workflow(root, dig))


def _workflow(root: Path, dig: DigFile) -> Iterator[Finding]:
    data = dig.data
    for key in data:
        if key not in TOP_KEYS and not key.startswith("+"):
            yield dig.finding((key,), ID, f"Workflow includes unknown keys: [{key}] (allowed: "
                              "timezone, _export, schedule, sla, _error, _check, _retry, "
                              "_parallel and +tasks)", key=True)
        elif key.startswith("+") and "^" in key:
            yield dig.finding((key,), ID, f"task name '{key}' must not contain '^' at the top "
                              "level", key=True)
    if isinstance(data.get("schedule"), dict):
        yield from _schedule(dig, data["schedule"])
    scope = _Scope(exports=_merge({}, data.get("_export")))
    yield from _children(root, dig, (), data, scope)
    for special in ("_error", "_check"):
        if isinstance(data.get(special), dict):
            yield from _task(root, dig, (special,), data[special], scope, generated=True)


def _merge(base: dict, export) -> dict:
    out = dict(base)
    if isinstance(export, dict):
        for key, value in export.items():
            if isinstance(out.get(key), dict) and isinstance(value, dict):
                out[key] = _merge(out[key], value)
            else:
                out[key] = value
    return out


def _children(root, dig, path, config, scope) -> Iterator[Finding]:
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(("+", "^")):
            continue
        if not NAME_RX.match(key) or len(key) > 255:
            yield dig.finding(path + (key,), ID, f"task name '{key}': after the first "
                              "character only letters, digits and _ - = [ ] { } % & @ ` , . ^ "
                              "are allowed (no spaces, +, /, :, parentheses)", key=True)
        yield from _task(root, dig, path + (key,), value, scope)


def _task(root, dig, path, config, scope, generated=False) -> Iterator[Finding]:
    if not isinstance(config, dict):
        yield dig.finding(path, ID, f"task {path[-1]}: expected a mapping of task settings")
        return
    ops = [k for k in config if isinstance(k, str) and k.endswith(">")]
    if "_type" in config:
        ops.append("_type")
    children = [k for k in config if isinstance(k, str) and k.startswith("+")]
    scope = _Scope(_merge(scope.exports, config.get("_export")), dict(scope.loops),
                   str(scope.exports.get("_workdir", scope.workdir)))
    if ops:
        if len(ops) > 1:
            yield dig.finding(path, ID, f"task {path[-1]} has several operators {ops}; a task "
                              "takes exactly one")
        if children:
            yield dig.finding(path + (children[0],), ID, f"A task can't have subtasks: "
                              f"{path[-1]} runs {ops[0]} and also holds {children[0]}", key=True)
        yield from _operator(root, dig, path, config, ops[0], scope)
    else:
        invalid = [k for k in config if not (isinstance(k, str) and k.startswith("+"))
                   and k not in GROUP_KEYS]
        for key in invalid:
            yield dig.finding(path + (key,), ID, f"group task {path[-1]} contains invalid key "
                              f"'{key}': a group takes only {', '.join(sorted(GROUP_KEYS))} and "
                              "+tasks; put parameters for its tasks under _export", key=True)
        yield from _children(root, dig, path, config, scope)
    for special in ("_error", "_check"):
        if isinstance(config.get(special), dict):
            yield from _task(root, dig, path + (special,), config[special], scope, True)


def _operator(root, dig, path, config, op, scope) -> Iterator[Finding]:
    if op == "if>" and "_do" not in config and "_else_do" not in config:
        yield dig.finding(path, ID, "if> needs _do or _else_do (Both _do and _else_do are not "
                          "specified)")
    if op in LOOP_OPS and "_do" not in config:
        yield dig.finding(path, ID, f"{op} needs _do")
    inner = _Scope(scope.exports, dict(scope.loops), scope.workdir)
    if op == "for_each>" and isinstance(config[op], dict):
        for var, values in config[op].items():
            inner.loops[var] = _resolve_list(values, scope)
    for block in ("_do", "_else_do"):
        if isinstance(config.get(block), dict):
            yield from _task(root, dig, path + (block,), config[block], inner, True)
    if op in TD_JOB_OPS:
        yield from _td(root, dig, path, config, op, scope)
    elif op == "call>" and isinstance(config[op], str):
        target = config[op] if config[op].endswith(".dig") else config[op] + ".dig"
        yield from _files_exist(root, dig, path + (op,), target, scope)


def _resolve_list(values, scope: _Scope):
    if isinstance(values, list):
        return values
    if isinstance(values, str):
        match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", values.strip())
        if match and isinstance(scope.exports.get(match.group(1)), list):
            return scope.exports[match.group(1)]
    return None


def _td(root, dig, path, config, op, scope) -> Iterator[Finding]:
    td_defaults = scope.exports.get("td") if isinstance(scope.exports.get("td"), dict) else {}
    if not (config.get("database") or scope.exports.get("database")
            or td_defaults.get("database")):
        yield dig.finding(path, ID, f"{op} needs a database: set `database:` on the task or "
                          "`_export: {td: {database: ...}}`")
    command = config[op]
    if op == "td_load>" and isinstance(command, str) and command.endswith((".yml", ".yaml")):
        if not (config.get("table") or scope.exports.get("table")):
            yield dig.finding(path, ID, "td_load> with a YAML config needs `table:`")
        yield from _files_exist(root, dig, path + (op,), command, scope)
    elif op in ("td>", "td_wait>", "td_for_each>") and isinstance(command, str) and command:
        yield from _files_exist(root, dig, path + (op,), command, scope)


def _files_exist(root, dig, path, target: str, scope) -> Iterator[Finding]:
    for candidate in _expand(target, scope):
        if candidate is None:
            continue
        rel = PurePosixPath(scope.workdir or ".") / candidate
        if not (root / rel).is_file():
            yield dig.finding(path, ID, f"file {rel.as_posix()} does not exist")


def _expand(target: str, scope: _Scope):
    """The file names ``target`` can take: loop variables expanded over their lists."""
    if "${" not in target:
        return [target]
    names = []
    for match in _VAR_RX.finditer(target):
        values = scope.loops.get(match.group(1))
        if values is None:
            return [None]
        names.append((match.group(0), match.group(2), values))
    if not names or "${" in _VAR_RX.sub("", target):
        return [None]
    placeholder, attr, values = names[0]
    out = []
    for item in values:
        value = item.get(attr) if isinstance(item, dict) else None
        out.append(None if value is None else target.replace(placeholder, str(value)))
    return out


def _schedule(dig: DigFile, schedule: dict) -> Iterator[Finding]:
    types = [k for k in schedule if k.endswith(">")]
    if len(types) != 1:
        yield dig.finding(("schedule",), ID, "schedule needs exactly one type> key "
                          f"({', '.join(sorted(SCHEDULE_TYPES))})")
    for key in schedule:
        if key.endswith(">") and key not in SCHEDULE_TYPES:
            yield dig.finding(("schedule", key), ID, f"unknown schedule type {key}", key=True)
        elif not key.endswith(">") and key not in SCHEDULE_KEYS:
            yield dig.finding(("schedule", key), ID, f"schedule key '{key}' is rejected at push "
                              f"(allowed: {', '.join(sorted(SCHEDULE_KEYS))})", key=True)
