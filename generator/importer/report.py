"""The migration report: per source and object, in text or JSON."""

from __future__ import annotations

import json

from .notes import ACCEPT, CARRIED, DEFECTS, DRIFT, FIXED, HISTORY, KEPT, Imported

_ORDER = (CARRIED, DRIFT, KEPT, ACCEPT, HISTORY)
SEAM = ("ingestion_log rows logged before legacy_log_before ({at}) are the legacy's and are "
        "ignored: their SUCCESS end times were logged before an unbounded load, in whole "
        "seconds, with an inclusive start, so they are not exact watermarks. The first window "
        "of each table starts just after the table field's maximum (exclusive), or at "
        "default_start_time when the table is empty. Stop the legacy schedule before the "
        "first run of the generated workflows.")


def report_text(results: list[Imported], written: list[str], echo) -> None:
    for imported in results:
        _source_text(imported, echo)
    if written:
        echo("written: " + ", ".join(written))
    echo(_summary(results, written))


def _source_text(imported: Imported, echo) -> None:
    if imported.spec is None:
        echo(f"{imported.name}: SKIPPED: {imported.skipped}")
        return
    echo(f"{imported.name}: {imported.spec['connector']}, "
         f"{len(imported.spec['objects'])} objects -> sources/{imported.name}.yml")
    for kind in _ORDER:
        for note in sorted(n for n in imported.notes if n.kind == kind):
            where = f"{note.object}: " if note.object else ""
            echo(f"  {kind}: {where}{note.message}")
    echo("  seam: " + SEAM.format(at=imported.spec.get("legacy_log_before")))
    for number in sorted(imported.fixed):
        echo(f"  {FIXED}: #{number} {DEFECTS[number]}")


def _summary(results: list[Imported], written: list[str]) -> str:
    done = sum(1 for r in results if r.spec is not None)
    skipped = len(results) - done
    verb = "imported" if written else "would import"
    return (f"{verb} {done} source(s), skipped {skipped}; next: tdgen generate && tdgen "
            "check, then tdgen plan SOURCE --log <legacy export>")


def report_json(results: list[Imported], written: list[str],
                diffs: dict[str, list[str]] | None = None) -> str:
    sources = []
    for imported in results:
        entry = imported.to_json()
        if imported.spec is not None:
            entry["seam"] = SEAM.format(at=imported.spec.get("legacy_log_before"))
            entry["objects"] = [o["name"] for o in imported.spec["objects"]]
        if diffs and imported.name in diffs:
            entry["diff"] = diffs[imported.name]
        sources.append(entry)
    return json.dumps({"sources": sources, "written": written}, indent=2)


def plan_seam_note(legacy_log_before) -> str | None:
    """For ``tdgen plan``: why an imported source's first windows ignore the legacy log
    (``legacy_log_before``: the source's spec value, None when it was not imported)."""
    if legacy_log_before is None:
        return None
    return ("imported source: " + SEAM.format(at=legacy_log_before).replace(
        "The first window", "So the first window"))
