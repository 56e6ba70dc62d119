"""sql: every ``td>`` query is valid Trino once ``${...}`` is filled with sample values.

Judged by trino-sql-validator (a strict Trino parser); ``${...}`` becomes a sample identifier
of the same length, so line and column point into the original file. Functions Trino does not
know are warnings, except TD's own (``TD_TIME_RANGE``, ``TD_SCHEDULED_TIME``, ...).
"""

from __future__ import annotations

from pathlib import Path

from ..digdag.template import fill_samples
from ..findings import ERROR, WARNING, Finding

ID = "sql"
TD_FUNCTIONS = {
    "td_time_range", "td_time_parse", "td_time_string", "td_time_format", "td_time_add",
    "td_scheduled_time", "td_date_trunc", "td_interval", "td_interval_range",
    "td_last", "td_first", "td_sessionize", "td_sessionize_window", "td_parse_agent",
    "td_parse_user_agent", "td_ip_to_country_code", "td_lat_long_to_country", "td_url_encode",
    "td_url_decode", "td_md5", "td_x_rank", "td_currency_conv",
}


def check_sql(text: str, path: str) -> list[Finding]:
    import trino_sql_validator as tsv

    filled = fill_samples(text)
    result = tsv.validate(filled)
    findings = []
    if not result.valid:
        err = result.error
        line, col = err.line or 0, err.column or 0
        if not line:  # errors at the end of input carry no position
            lines = text.rstrip("\n").split("\n")
            line, col = len(lines), len(lines[-1]) + 1
        findings.append(Finding(path, line, col, ID, ERROR, f"invalid Trino SQL: {err.message}"))
    for warning in result.warnings:
        name = getattr(warning, "name", "") or ""
        if name.lower() in TD_FUNCTIONS:
            continue
        line = getattr(warning, "line", None) or 1
        col = getattr(warning, "column", None) or 1
        findings.append(Finding(path, line, col, ID, WARNING, str(warning)))
    return findings


def check_files(root: Path, files: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for rel in files:
        findings += check_sql((root / rel).read_text(encoding="utf-8"), rel)
    return findings
