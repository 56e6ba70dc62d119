"""``tdgen sources``: one row per object: how it loads, and how its connector takes windows."""

from __future__ import annotations


def matrix(project) -> list[dict]:
    from .render.plan import resolved_sources

    return [_row(s, load) for s in resolved_sources(project) for load in s.loads]


def _row(s, load) -> dict:
    return {
        "source": s.name, "connector": s.connector.type, "object": load.name,
        "table": load.table, "load": "incremental" if load.incremental else "full",
        "table_field": load.table_field or "-", "connector_field": load.connector_field or "-",
        "mode": load.mode, "window": s.connector.window.style,
        "window_kind": s.connector.window.kind,
        "bounds": _bounds(s.connector.bounds),
        "history": any(h.name == load.name for h in s.history),
        "format": s.format.name if s.format else "-",
        "parallel": s.parallel, "schedule": "own" if s.spec.schedule else "runner",
    }


def _bounds(bounds) -> dict | None:
    if bounds is None:
        return None
    return {"start": bounds.start.value, "end": bounds.end.value,
            "precision": bounds.precision.value, "future_end": bounds.future_end.value}


def text(rows: list[dict]) -> list[str]:
    """The rows as an aligned table; bounds as ``start/end``."""
    headers = list(rows[0]) if rows else []
    table = [headers] + [[_cell(r[h]) for h in headers] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]


def _cell(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return f"{value['start']}/{value['end']}"
    return "-" if value is None else str(value)


def sources(root) -> list[dict]:
    """``tdgen sources``: the rows of the project at ``root``."""
    from .spec.project import load_project

    return matrix(load_project(root))
