"""lag and lookback: the window ends at now less the lag and restarts the lookback earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from generator.checks.sql import check_sql
from generator.render.generate import generate
from generator.local.simulate import run_local
from generator.render.writer import apply, changed
from tests.conftest import copy_project

SPEC = """\
source: lagged
connector: shopify_v2
td_authentication_id: 456789
default_start_time: "2026-11-01T00:00:00.000Z"
lag: 15m
lookback: 1h
objects:
  - name: products
    table: lagged_products
    incremental: {table_field: updated_at, connector_field: updated_at}
"""


def test_lag_and_lookback_render_valid_trino_and_move_the_window(tmp_path):
    root = copy_project(tmp_path / "repo")
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    (root / "sources/lagged.yml").write_text(SPEC)
    project, statuses = generate(root)
    apply(root, changed(statuses))
    assert [w.rule for w in project.warnings] == ["spec"]  # lookback reloads: a warning
    for sql in (root / "workflows/sql").glob("lagged_*.sql"):
        assert check_sql(sql.read_text(), sql.name) == []
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    sim = run_local(root, "lagged", runs=2, every=timedelta(hours=12), start=start,
                    db_path=tmp_path / "db", fresh=True)
    assert all(r.success for r in sim.runs)
    windows = sorted((r["start_time"], r["end_time"]) for r in sim.log()
                     if r["status"] == "SUCCESS" and r["table_name"])
    assert windows == [
        ("2026-11-01T00:00:00.000Z", "2026-11-20T11:45:00.000Z"),   # now less 15 minutes
        ("2026-11-20T10:45:00.000Z", "2026-11-20T23:45:00.000Z"),   # the lookback of 1 hour
    ]
