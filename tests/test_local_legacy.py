"""The legacy window (max of the table field, whole seconds, inclusive start) against ours,
on the same fixtures: the legacy reloads rows, ours loads each row once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from generator.render.generate import generate
from generator.local.simulate import run_local
from generator.render.writer import apply, changed
from tests.conftest import copy_project

LEGACY_FORMAT = """\
name: legacy_seconds
description: The legacy Klaviyo window string, the max truncated to whole seconds.
example: "2023-09-01T00:00:00.000000"
python: "%Y-%m-%dT%H:%M:%S.000000"
sql_render: "format_datetime({ts} AT TIME ZONE 'UTC', 'yyyy-MM-dd''T''HH:mm:ss''.000000''')"
sql_parse: "parse_datetime({value} || ' UTC', 'yyyy-MM-dd''T''HH:mm:ss''.000000'' ZZZ')"
"""
SPEC = """\
source: {name}
connector: klaviyo
td_authentication_id: 456789
timestamp_format: legacy_seconds
default_start_time: "2026-10-01T00:00:00.000000"
watermark: {watermark}
table_field_type: format
table_fallback_days: 3650
objects:
  - name: lists
    table: {name}_lists
    incremental: {{table_field: updated, connector_field: updated}}
"""


def test_legacy_window_reloads_rows_ours_does_not(tmp_path):
    root = copy_project(tmp_path / "repo")
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    (root / "templates/timestamp_formats/legacy_seconds.yml").write_text(LEGACY_FORMAT)
    (root / "sources/legacy.yml").write_text(SPEC.format(name="legacy", watermark="table"))
    (root / "sources/ours.yml").write_text(SPEC.format(name="ours", watermark="log"))
    _, statuses = generate(root)
    apply(root, changed(statuses))
    start, every = datetime(2026, 11, 1, 6, tzinfo=UTC), timedelta(hours=7)
    loaded = {}
    for name in ("legacy", "ours"):
        sim = run_local(root, name, runs=8, every=every, start=start, db_path=tmp_path / name,
                        fresh=True, seed=11)
        assert all(r.success for r in sim.runs)
        loaded[name] = Counter(r["id"] for r in sim.engine.table_rows(sim.database,
                                                                      f"{name}_lists"))
    reloaded = {k: n for k, n in loaded["legacy"].items() if n > 1}
    assert reloaded, "the legacy window should load the rows at its start again"
    assert max(loaded["ours"].values()) == 1
    assert set(loaded["ours"]) == set(loaded["legacy"])  # same rows, each once
