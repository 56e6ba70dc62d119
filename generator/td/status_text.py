"""``tdgen status`` as text: one line per table, worst first, then what is wrong with each."""

from __future__ import annotations

from .status_model import OK, STATES, StatusReport, _iso, duration_text

_COLUMNS = ("state", "source", "table", "kind", "last window end", "lag", "rows last",
            "rows period", "errors", "unfinished")


def report_text(report: StatusReport) -> str:
    """A table of every table, worst first, then what is wrong (and worth knowing) per table."""
    rows = [list(_COLUMNS)]
    for t in report.tables:
        rows.append([t.state.upper() if t.state != OK else OK, t.source,
                     t.table or "(workflow)", t.kind, t.last_end or "-",
                     duration_text(t.lag) if t.lag is not None else "-",
                     str(t.rows_last) if t.rows_last is not None else "-",
                     str(t.rows_period) if t.successes else "-",
                     str(t.error_streak), str(len(t.unfinished))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    details = [t for t in report.tables if t.problems or t.notes]
    if details:
        lines.append("")
    for t in details:
        lines.append(f"{t.source}.{t.table or '(workflow)'} [{t.kind}, {t.workflow}]:")
        lines += [f"  {p}" for p in t.problems]
        lines += [f"  note: {n}" for n in t.notes]
    lines.append("")
    lines.append(f"read {report.origin} since {_iso(report.since) or '-'}; now "
                 f"{_iso(report.now)}; stale after {duration_text(report.stale_after)}")
    bad = sum(not t.healthy for t in report.tables)
    counts = report.counts()
    if bad:
        parts = ", ".join(f"{counts[s]} {s}" for s in STATES if s != OK and counts[s])
        lines.append(f"{len(report.tables)} table(s), {bad} with problems ({parts})")
    else:
        lines.append(f"{len(report.tables)} table(s), all healthy")
    return "\n".join(lines)
