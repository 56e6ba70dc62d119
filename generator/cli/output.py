"""Formatting of findings and file statuses, chosen in one place."""

from __future__ import annotations

import json
import os

from ..findings import Finding
from ..render.writer import FileStatus

_SYMBOL = {"create": "create", "update": "update", "identical": "identical",
           "conflict": "CONFLICT", "remove": "remove"}


def findings_text(findings: list[Finding], fmt: str = "text") -> str:
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
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
