"""Runs the checks; paths in findings are relative to the folder checked."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..findings import Finding
from . import digdag_rules, sql


def run_project(folder: Path) -> list[Finding]:
    findings = digdag_rules.check_project(folder)
    sql_files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.sql")
                       if not any(part.startswith(".") for part in p.relative_to(folder).parts))
    findings += sql.check_files(folder, sql_files)
    return sorted(findings)


def run_repository(root: Path) -> list[Finding]:
    from ..project import load_project

    findings: list[Finding] = []
    try:
        project = load_project(root)
        findings += project.warnings
    except ConfigError as exc:
        findings += exc.findings
    workflows = root / "workflows"
    if workflows.is_dir():
        findings += [Finding(f"workflows/{f.path}", f.line, f.column, f.rule, f.level,
                             f.message) for f in run_project(workflows)]
    return sorted(findings)
