"""expr: every ``${...}`` is an expression Digdag can evaluate where it stands.

Rules (``expr/<rule>``; ``reference/digdag-semantics.md`` C and B.8):

- ``unclosed``: a ``${`` without its closing brace (Digdag leaves it as literal text);
- ``syntax``: the expression is valid JavaScript;
- ``es5``: Digdag's engine runs ES5 only: no arrow functions, ``let``/``const``, template
  literals, spread, classes or ``**``;
- ``undefined``: a variable that is not defined where it is used: an error for
  ``last_session_*``/``next_session_*`` without a ``schedule``, ``error`` outside ``_error``, and a
  name granted only as a secret (``_secrets``: read it with ``${secret:name}``); a warning for
  other names the workflow does not define (they must come from ``--param`` or a script);
- ``secret``: ``${secret:...}`` where Digdag does not substitute it (it stays literal): only
  ``sh>`` commands, ``_env``, ``http>``, ``emr>``, ``embulk>``, ``td_load>`` configs and ``td>``
  ``result_url``/``result_settings`` take secrets (an ``_export`` may hold one: it can flow
  into such a place).

Strings in task settings and the ``td>``/``td_load>`` files they name are checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..digdag.reader import DigFile
from ..digdag.template import expressions
from ..digdag.tree import Task, walk
from ..findings import ERROR, WARNING, Finding
from .files import ProjectFiles, referenced_files
from .context import PROJECT, CheckContext

ID = "expr"
SCOPE = PROJECT
BUILTINS = {
    "timezone", "session_uuid", "session_id", "session_time", "session_date",
    "session_date_compact", "session_local_time", "session_tz_offset", "session_unixtime",
    "project_id", "attempt_id", "task_name", "retry_attempt_name", "last_executed_session_time",
    "last_executed_session_unixtime", "last_executed_session_date",
    "last_executed_session_date_compact", "last_executed_session_local_time",
    "last_executed_session_tz_offset",
}
SCHEDULED = {f"{w}_session_{s}" for w in ("last", "next") for s in (
    "time", "date", "date_compact", "local_time", "tz_offset", "unixtime")}
STORES = {"td", "http", "bq", "pg", "redshift", "emr", "digdag", "s3", "gcs", "mail", "param"}
JS_GLOBALS = {
    "moment", "JSON", "Math", "Date", "parseInt", "parseFloat", "String", "Number", "Object",
    "Array", "Boolean", "RegExp", "isNaN", "isFinite", "encodeURIComponent",
    "decodeURIComponent", "encodeURI", "decodeURI", "escape", "unescape", "undefined", "null",
    "true", "false", "NaN", "Infinity", "this", "typeof", "instanceof", "new", "function",
    "return", "var", "in", "if", "else", "void", "delete", "Error", "template",
}
SECRET_OPS = {"sh>", "http>", "http_call>", "emr>", "embulk>"}
_STRING_RX = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")
_IDENT_RX = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)")
_ES6 = [(re.compile(r"=>"), "arrow functions"), (re.compile(r"\blet\s"), "let"),
        (re.compile(r"\bconst\s"), "const"), (re.compile(r"`"), "template literals"),
        (re.compile(r"\.\.\."), "spread"), (re.compile(r"\bclass\s"), "classes"),
        (re.compile(r"\*\*"), "the ** operator")]


def rule(name: str) -> str:
    return f"{ID}/{name}"


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.files)


def check_project(root: Path, files: ProjectFiles | None = None) -> list[Finding]:
    files = files or ProjectFiles(root)
    findings: list[Finding] = []
    for _rel, dig in files.workflows():
        findings += check_loaded(root, dig, files)
    return sorted(set(findings))


def check_loaded(root: Path, dig: DigFile, files: ProjectFiles | None = None) -> list[Finding]:
    files = files or ProjectFiles(root)  # files may change between runs in one process
    scheduled = isinstance(dig.data.get("schedule"), dict)
    out: list[Finding] = []
    for task in walk(dig):
        if not isinstance(task.config, dict):
            continue
        out += _task_strings(files, dig, task, scheduled)
        for rel in referenced_files(task):
            if rel and rel.endswith(".sql") and files.is_file(rel):
                out += _file(rel, files.text(rel), task, scheduled, secrets_allowed=False)
            elif rel and rel.endswith((".yml", ".yaml")) and files.is_file(rel):
                out += _file(rel, files.text(rel), task, scheduled, secrets_allowed=True)
    return out


def _task_strings(files: ProjectFiles, dig, task: Task, scheduled: bool) -> list[Finding]:
    out = []
    own = {k: v for k, v in task.config.items() if not (isinstance(k, str) and (
        k.startswith(("+", "^")) or k in ("_do", "_else_do", "_error", "_check")))}
    for path, value in _strings(own, task.path):
        file, line, col = dig.where(path)
        if _source_char(files, file, line, col) in ("'", '"'):
            col += 1  # a quoted scalar: the text starts after the quote
        allowed = _secrets_allowed(task, path[len(task.path):])
        out += check_text(value, file, line, col, task, scheduled, allowed, own)
    return out


def _source_char(files: ProjectFiles, file: str, line: int, col: int) -> str:
    lines = files.lines(file)
    return lines[line - 1][col - 1:col] if 0 < line <= len(lines) else ""


def _file(rel: str, text: str, task: Task, scheduled: bool, secrets_allowed: bool):
    return check_text(text, rel, 1, 1, task, scheduled, secrets_allowed, task.config,
                      multiline=True)


def _strings(value, path) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, path + (i,))


def _secrets_allowed(task: Task, rel_path: tuple) -> bool:
    op = task.operator
    first = rel_path[0] if rel_path else None
    if first == "_export":
        return True  # an exported secret may flow into a td_load> config or sh> command
    if first == "_env" or op in SECRET_OPS and first == op:
        return True
    if op in ("http>", "http_call>") and first in ("headers", "query", "content", "uri"):
        return True
    if op in ("td>", "td_result_export>") and first in ("result_url", "result_settings"):
        return True
    return op in ("embulk>",) or op == "td_load>" and first == "config"


def check_text(text: str, file: str, line: int, col: int, task: Task, scheduled: bool,
               secrets_allowed: bool, local: dict, multiline: bool = False) -> list[Finding]:
    out = []

    def at(offset: int) -> tuple[int, int]:
        before = text[:offset]
        if "\n" in before:
            return line + before.count("\n"), offset - before.rfind("\n")
        return line, col + offset

    last_end = 0
    for start, end, expr in expressions(text):
        out += [Finding(file, *at(start), rule(r), level, msg)
                for r, level, msg in _expression(expr, task, scheduled, local)]
        last_end = end
    unclosed = text.find("${", last_end)
    while unclosed >= 0 and re.match(r"\$\{[a-z]+:", text[unclosed:]):
        unclosed = text.find("${", unclosed + 2)
    if unclosed >= 0:
        out.append(Finding(file, *at(unclosed), rule("unclosed"), ERROR, "unclosed ${: Digdag "
                           "leaves it as literal text; close it with }"))
    for match in re.finditer(r"\$\{secret:([^}]*)\}", text):
        if not secrets_allowed:
            out.append(Finding(file, *at(match.start()), rule("secret"), ERROR,
                               f"${{secret:{match.group(1)}}} is not substituted here (it stays "
                               "literal): secrets work in sh>, _env, http>, td_load> configs "
                               "and td> result_url/result_settings"))
    return out


def _expression(expr: str, task: Task, scheduled: bool, local: dict):
    code = _STRING_RX.sub('""', expr)
    code = re.sub(r"(?<=[(,=:\[!&|?{};])\s*/(?:\\.|[^/\\\n])+/[gimsuy]*", " 0", code)
    for rx, what in _ES6:
        if rx.search(code):
            yield "es5", ERROR, f"${{{expr}}}: Digdag evaluates ES5 only ({what} fail)"
            return
    problem = _syntax_error(expr)
    if problem:
        yield "syntax", ERROR, f"${{{expr}}} is not a valid expression: {problem}"
        return
    if "function" in code:
        return  # names may be parameters of the function: not judged
    for name in _roots(code):
        yield from _defined(name, expr, task, scheduled, local)


def _roots(code: str) -> list[str]:
    names = []
    for match in _IDENT_RX.finditer(code):
        name = match.group(1)
        after = code[match.end():].lstrip()
        before = code[:match.start()].rstrip()
        if after.startswith(":") and before.endswith(("{", ",")):
            continue  # a key in an object literal
        if before.endswith("typeof"):
            continue  # guarded
        names.append(name)
    return names


def _defined(name: str, expr: str, task: Task, scheduled: bool, local: dict):
    scope = task.scope
    if name in JS_GLOBALS or name in BUILTINS or name in STORES:
        return
    if name in scope.exports or name in scope.loops or name in local:
        return
    if name in SCHEDULED:
        if not scheduled:
            yield "undefined", ERROR, (f"${{{expr}}}: {name} exists only when the workflow has "
                                       "a schedule")
        return
    if name == "error":
        if not scope.in_error:
            yield "undefined", ERROR, f"${{{expr}}}: error is defined only inside _error"
        return
    if name in scope.secrets:
        yield "undefined", ERROR, (f"${{{expr}}}: \"{name}\" is not defined: it is a secret; "
                                   f"read it with ${{secret:{name}}} where secrets are allowed")
        return
    yield "undefined", WARNING, (f"${{{expr}}}: {name} is not defined in the workflow; it "
                                 "must be given with --param or set by a script")


_SYNTAX_CACHE: dict[str, str] = {}


def _syntax_error(expr: str) -> str:
    if expr not in _SYNTAX_CACHE:
        import dukpy

        code = ("var r = ''; try { new Function('return (' + dukpy.e + '\\n);'); } "
                "catch (err) { r = String(err); } r;")
        _SYNTAX_CACHE[expr] = dukpy.evaljs(code, e=expr)
    return _SYNTAX_CACHE[expr]
