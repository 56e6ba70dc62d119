"""sql: every ``td>`` query, in a file or inline, is valid Trino.

Rules: ``sql/syntax`` (an error: the query does not parse as Trino once each ``${...}`` is
filled with a sample value of the same length, so line and column point into the original
text), ``sql/template`` (a warning: the parse fails at a ``${...}`` that evidently expands to
SQL text, such as ``SELECT ${distinct} a`` or ``${n}.0``, so the query cannot be judged) and
``sql/function`` (a warning: a function Trino does not know; TD's own ``TD_*`` functions are
known). Judged by trino-sql-validator, a strict Trino parser. Queries of ``engine: hive`` (on
the task, or exported as ``engine`` or ``td.engine``) are Hive SQL and are not judged.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..digdag.template import fill_samples
from ..findings import ERROR, WARNING, Finding
from .context import PROJECT, CheckContext

ID = "sql"
SCOPE = PROJECT
TD_FUNCTIONS = {
    "td_time_range", "td_time_parse", "td_time_string", "td_time_format", "td_time_add",
    "td_scheduled_time", "td_date_trunc", "td_interval", "td_interval_range",
    "td_last", "td_first", "td_sessionize", "td_sessionize_window", "td_parse_agent",
    "td_parse_user_agent", "td_ip_to_country_code", "td_lat_long_to_country", "td_url_encode",
    "td_url_decode", "td_md5", "td_x_rank", "td_currency_conv",
}
QUERY_OPS = ("td>", "td_wait>", "td_for_each>")
JINJA_MARKERS = ("{{", "{%", "{#")


def check_sql(text: str, path: str, line: int = 1, col: int = 1, indent: int = 0
              ) -> list[Finding]:
    """Findings for one query; ``line``/``col`` is where ``text`` starts in ``path``, and
    ``indent`` the indentation of its later lines (a YAML block scalar)."""
    import trino_sql_validator as tsv

    filled = fill_samples(text)
    if _starts_with_expression(text):
        return []  # the statement itself comes from a parameter: nothing to judge
    result = tsv.validate(filled, jinja=jinja_mode(filled))
    findings = []

    def place(ln: int, cn: int) -> tuple[int, int]:
        return line + ln - 1, (col + cn - 1 if ln == 1 else cn + indent)

    if not result.valid:
        err = result.error
        ln, cn = err.line or 0, err.column or 0
        if not ln:  # errors at the end of input carry no position
            lines = text.rstrip("\n").split("\n")
            ln, cn = len(lines), len(lines[-1]) + 1
        if _next_to_expression(text, ln, cn):
            findings.append(Finding(path, *place(ln, cn), f"{ID}/template", WARNING,
                                    "cannot judge this query: the parse fails where a ${...} "
                                    f"expands to SQL text ({err.message})"))
        else:
            findings.append(Finding(path, *place(ln, cn), f"{ID}/syntax", ERROR,
                                    f"invalid Trino SQL: {err.message}"))
    for warning in result.warnings:
        name = getattr(warning, "name", "") or ""
        if name.lower() in TD_FUNCTIONS:
            continue
        findings.append(Finding(path, *place(getattr(warning, "line", None) or 1,
                                             getattr(warning, "column", None) or 1),
                                f"{ID}/function", WARNING, str(warning)))
    return findings


def jinja_mode(sql: str) -> str:
    """``reject`` (parse as is) when ``sql`` holds no Jinja tag: the validator's masking would
    leave it unchanged, and skipping it is most of the validator's time."""
    return "auto" if any(marker in sql for marker in JINJA_MARKERS) else "reject"


def _next_to_expression(text: str, line: int, column: int) -> bool:
    """True when (line, column) lies in a ``${...}`` or just after one (its expansion)."""
    from ..digdag.template import expressions

    lines = text.split("\n")
    offset = sum(len(x) + 1 for x in lines[:line - 1]) + column - 1
    for start, end, _expr in expressions(text):
        if start <= offset <= end + 1:
            return True
        between = text[end:offset]
        if end <= offset and re.fullmatch(r"\s*[\w\"]*\s*", between):
            return True  # the token after the expansion: `SELECT ${distinct} t1.time`
    return False


def _starts_with_expression(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("--")]
    return bool(lines) and lines[0].lstrip().startswith("${")


def check_files(root: Path, files: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for rel in files:
        findings += check_sql((root / rel).read_text(encoding="utf-8"), rel)
    return findings


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.files)


def check_project(root: Path, files=None) -> list[Finding]:
    """Every query of every workflow: the files ``td>`` names and the inline ones."""
    from ..digdag.tree import walk
    from .files import ProjectFiles, referenced_files

    files = files or ProjectFiles(root)
    findings: set[Finding] = set()
    seen_files: set[str] = set()
    for _rel, dig in files.workflows():
        for task in walk(dig):
            if not isinstance(task.config, dict) or task.operator not in QUERY_OPS:
                continue
            if _engine(task) == "hive":
                continue
            findings |= set(_inline(files, dig, task))
            for file in referenced_files(task):
                if file and file not in seen_files and files.is_file(file):
                    seen_files.add(file)
                    findings |= set(check_sql(files.text(file), file))
    return sorted(findings)


def _engine(task) -> str:
    exports = task.scope.exports
    td = exports.get("td") if isinstance(exports.get("td"), dict) else {}
    engine = task.config.get("engine") or exports.get("engine") or td.get("engine") or "presto"
    return str(engine).lower()


def _inline(files, dig, task) -> list[Finding]:
    op = task.operator
    command = task.config.get(op)
    if isinstance(command, dict) and isinstance(command.get("data"), str):
        path, text = task.path + (op, "data"), command["data"]
    elif command is None and isinstance(task.config.get("query"), str):
        path, text = task.path + ("query",), task.config["query"]
    else:
        return []
    file, line, col = dig.where(path)
    source = files.lines(file)
    marker = source[line - 1][col - 1:col] if line <= len(source) else ""
    indent = 0
    if marker in ("|", ">"):  # a block scalar: the text starts on the next line
        line += 1
        indent = len(source[line - 1]) - len(source[line - 1].lstrip()) \
            if line <= len(source) else 0
        col = indent + 1
    elif marker in ("'", '"'):
        col += 1
    return check_sql(text, file, line, col, indent)
