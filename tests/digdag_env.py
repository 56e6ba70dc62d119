"""Digdag parameters for rendering generated files in tests, from the generated config."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / "workflows"


def load_yaml(rel: str) -> dict:
    return yaml.safe_load((WORKFLOWS / rel).read_text())


def params(source: str, workflow: str, datasource: dict, **extra) -> dict:
    """What a task inside the for_each of ``workflow`` sees (exports, built-ins, stores)."""
    base = load_yaml("config/database.yml")
    base.update(load_yaml(f"config/{source}_datasources.yml"))
    base.update({
        "source_name": source, "workflow_name": workflow, "datasource": datasource,
        "session_id": 41, "attempt_id": 7, "session_time": "2026-11-22T00:00:00+00:00",
        "timezone": "UTC",
    })
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def datasources(source: str, kind: str = "inc") -> list[dict]:
    return load_yaml(f"config/{source}_datasources.yml").get(f"{kind}_datasources", [])


def sources() -> list[str]:
    return sorted(p.stem for p in (REPO / "sources").glob("*.yml"))
