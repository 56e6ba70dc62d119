"""Formatting of findings and file statuses, chosen in one place."""

from __future__ import annotations

import json

from ..findings import ERROR, Finding
from ..render.writer import IDENTICAL, FileStatus
from ..td.masking import mask  # every message that may quote a key or a secret goes through it

_SYMBOL = {"create": "create", "update": "update", "identical": "identical",
           "conflict": "CONFLICT", "remove": "remove"}


def findings_text(findings: list[Finding], fmt: str = "text") -> str:
    if fmt == "auto":
        from ..checks import default_format

        fmt = default_format()
    if fmt == "json":
        return json.dumps([f.to_dict() for f in findings], indent=2)
    if fmt == "github":
        return "\n".join(
            f"::{'error' if f.level == 'error' else 'warning'} file={f.path},line={f.line},"
            f"col={f.column},title={f.rule}::{f.message}" for f in findings)
    return "\n".join(str(f) for f in findings)


def status_line(s: FileStatus) -> str:
    reason = f" ({s.reason})" if s.reason else ""
    return f"{_SYMBOL[s.status]:>9}  {s.path}{reason}"


def summary(statuses: list[FileStatus], warnings: list[Finding] = ()) -> str:
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s.status] = counts.get(s.status, 0) + 1
    order = ["create", "update", "remove", "conflict", "identical"]
    line = ", ".join(f"{counts[k]} {k}" for k in order if k in counts) or "no files"
    n = len(warnings)
    return line + (f"; {n} spec warning{'s' * (n != 1)} (listed above)" if n else "")


def masked_traceback() -> str:
    """The current traceback, every key and secret value masked (``--debug``)."""
    import traceback

    from ..td.masking import mask

    return mask(traceback.format_exc())


def unexpected_error(exc: BaseException | None, debug: bool) -> str:
    """What a bug (not a user error) prints: the masked traceback with ``--debug`` (or when
    there is no ``exc``), else one masked line."""
    from ..td.masking import mask

    if debug or exc is None:
        return masked_traceback()
    first = (str(exc).strip().splitlines() or [""])[0]
    return mask(f"error: unexpected {type(exc).__name__}: {first} (a bug in tdgen; "
                "`tdgen --debug` shows the traceback)\n")


def error_text(exc, debug: bool) -> str:
    """What a user error prints: the message (each finding, and that nothing was written),
    after the masked traceback with ``--debug``."""
    findings = getattr(exc, "findings", None)
    text = unexpected_error(None, True) if debug else ""
    text += mask(str(exc) if findings else f"error: {exc}") + "\n"
    if findings:
        n = len(findings)
        text += f"{n} error{'s' if n != 1 else ''}; nothing was written.\n"
    return text


def show_generation(result, quiet: bool, show_diff: bool, check: bool, dry_run: bool,
                    echo) -> None:
    """The per-file lines of ``tdgen generate``, its diffs, warnings and summary, and why it
    fails (conflicts; with ``check``, files out of date)."""
    from ..render.writer import unified_diff

    for s in result.statuses:
        if not (quiet and s.status == IDENTICAL):
            echo(status_line(s))
        if show_diff and s.status != IDENTICAL:
            echo(unified_diff(s), nl=False)
    warnings = result.project.warnings
    if warnings:  # after the per-file lines, where they are seen
        echo(findings_text(warnings), err=True)
    echo(summary(result.statuses, warnings))
    if result.conflicts:
        echo(f"{len(result.conflicts)} conflict(s): generated files edited by hand (or not "
             "ours). Move the change into the spec or templates/, or rerun with --force. "
             "Nothing was written.", err=True)
    elif check and result.pending:
        echo("generated files are out of date: run `tdgen generate` and commit.", err=True)
    elif dry_run and not check:
        echo("dry run: nothing was written.")


def show_check(findings: list[Finding], fmt: str, echo, notes=()) -> None:
    for note in notes:
        echo(f"note: {note}", err=True)
    if findings or fmt == "json":
        echo(findings_text(findings, fmt))
    errors = sum(f.level == ERROR for f in findings)
    warnings = len(findings) - errors
    if fmt == "text":
        echo(f"{errors} error{'s' * (errors != 1)}, {warnings} "
             f"warning{'s' * (warnings != 1)}", err=True)


def show_sources(rows: list[dict], fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(rows, indent=2))
        return
    from ..sources_matrix import text

    for line in text(rows):
        echo(line)


def show_push(result, limit: int, echo) -> None:
    from ..td.push import PreflightError, push_summary

    for note in result.notes:
        echo(mask(f"note: {note}"), err=True)
    echo(mask(push_summary(result, limit)))
    if result.problems:  # a dry run lists the files, then why a push would stop
        echo(mask(f"error: {PreflightError(result.problems)}"), err=True)


def show_secrets(result, echo) -> None:
    from ..td.secrets import secrets_summary

    echo(mask(secrets_summary(result)))
    if result.unresolved:
        echo(f"error: {len(result.unresolved)} secret(s) used by the workflows have no "
             "value (" + ", ".join(m.key for m in result.unresolved) + "): add them to "
             "credentials_ingestion.json and run `tdgen secrets` again", err=True)


def show_status(report, fmt: str, echo) -> None:
    from ..td.status import report_text

    echo(mask(json.dumps(report.to_dict(), indent=2) if fmt == "json" else report_text(report)))


def show_preview(outcomes, echo) -> None:
    for outcome in outcomes:
        for line in outcome.lines:
            echo(mask(line))
        for problem in outcome.problems:
            echo(mask(f"error: {problem}"), err=True)
