"""Text and JSON output of the local engine's runs and plans."""

from __future__ import annotations

import json

LOG_COLUMNS = ("log_id", "table_name", "status", "start_time", "end_time", "records_processed",
               "error_message")


def print_run(result, echo) -> None:
    state = "ok" if result.success else f"FAILED: {result.error or 'see ERROR rows'}"
    echo(f"run {result.number} at {result.session_time.isoformat()}: {state}")
    ended = {r.get("log_id") for r in result.log if r.get("status") != "STARTED"}
    for row in result.log:
        if row.get("status") == "STARTED" and row.get("log_id") not in ended:
            window = f"[{row.get('start_time') or '-'}, {row.get('end_time') or '-'})"
            echo(f"  {'UNENDED':<8} {row.get('table_name') or '':<44} {window}  claimed, "
                 "nothing logged after it (a lost worker): the next run reconciles it")
        elif row.get("status") in ("SUCCESS", "ERROR", "SKIPPED") and row.get("table_name"):
            window = f"[{row.get('start_time') or '-'}, {row.get('end_time') or '-'})"
            extra = f"{row.get('records_processed')} rows" if row["status"] == "SUCCESS" \
                else (row.get("error_message") or "")[:80]
            echo(f"  {row['status']:<8} {row['table_name']:<44} {window}  {extra}")


def print_log(rows: list[dict], echo) -> None:
    echo(f"ingestion_log ({len(rows)} rows):")
    table = [list(LOG_COLUMNS)] + [[_cell(r.get(c)) for c in LOG_COLUMNS]
                                   for r in sorted(rows, key=lambda r: (r.get("time") or 0,
                                                                        str(r.get("log_id"))))]
    widths = [max(len(row[i]) for row in table) for i in range(len(LOG_COLUMNS))]
    for row in table:
        echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def print_plan(source: str, now, plans, echo) -> None:
    echo(f"plan of {source} for a run at {now.isoformat()}:")
    for p in plans:
        kind = f"incremental, lag {p.lag}" if p.incremental else "full load"
        echo(f"  {p.name} -> {p.table} ({kind})")
        for w in p.windows:
            if p.incremental:
                echo(f"    run {w.run} at {w.session_time.isoformat()}: [{w.start}, {w.end})"
                     f"  from {w.origin}")
                if w.start_instant and w.end_instant:
                    echo(f"      instants [{w.start_instant.isoformat()}, "
                         f"{w.end_instant.isoformat()})")
            else:
                echo(f"    run {w.run} at {w.session_time.isoformat()}: replace, snapshot at "
                     f"{w.end}")
        if p.pending_batches is not None:
            echo(f"    history: {p.pending_batches} month batches pending; next: "
                 + ", ".join(f"[{b[0]}, {b[1]})" for b in p.next_batches[:3])
                 + (" ..." if len(p.next_batches) > 3 else ""))


def plan_json(plans) -> str:
    out = []
    for p in plans:
        out.append({
            "object": p.name, "table": p.table, "incremental": p.incremental, "lag": p.lag,
            "windows": [{"run": w.run, "session_time": w.session_time.isoformat(),
                         "start": w.start, "end": w.end, "origin": w.origin,
                         "start_instant": w.start_instant.isoformat() if w.start_instant
                         else None,
                         "end_instant": w.end_instant.isoformat() if w.end_instant else None}
                        for w in p.windows],
            "pending_batches": p.pending_batches, "next_batches": p.next_batches,
        })
    return json.dumps(out, indent=2)
