"""A Zendesk source on a model of the real connector (tests/zendesk_connector.py): the load
config maps the half-open window onto Zendesk's bounds (start - 1 s, end - 1 s, never a
future end), so rows at a window end, one second before and one after are loaded once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from generator.render.generate import generate
from generator.local.simulate import run_local
from generator.render.writer import apply, changed
from tests.conftest import copy_project
from tests.zendesk_connector import ZendeskConnector

SPEC = """\
source: helpdesk
connector: zendesk
default_start_time: "2026-11-01T00:00:00Z"
secrets: {login_url: helpdesk_login_url, username: helpdesk_username, token: helpdesk_token}
params:
  auth_method: token
  columns: [{name: id, type: long}, {name: updated_at, type: timestamp}]
objects:
  - name: tickets
    table: helpdesk_tickets
    incremental: {table_field: updated_at, connector_field: updated_at,
                  connector_takes_field: false}
"""
START = datetime(2026, 11, 10, tzinfo=UTC)
EVERY = timedelta(hours=6)
RUNS = 4


def project(tmp_path):
    root = copy_project(tmp_path / "repo")
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    (root / "sources" / "helpdesk.yml").write_text(SPEC)
    _, statuses = generate(root)
    apply(root, changed(statuses))
    return root


def boundary_rows(lag: timedelta) -> list[dict]:
    rows, n = [], 0
    for k in range(RUNS):
        end = START + EVERY * k - lag  # each window's end
        for delta in (-1, 0, 1):
            n += 1
            at = end + timedelta(seconds=delta)
            rows.append({"id": f"t{n}", "updated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    rows.append({"id": "start", "updated_at": "2026-11-01T00:00:00Z"})  # the first start
    return rows


def simulate(tmp_path, connector=ZendeskConnector):
    root = project(tmp_path)
    fixtures = tmp_path / "fixtures" / "helpdesk"
    fixtures.mkdir(parents=True)
    rows = boundary_rows(timedelta(minutes=5))  # the catalog's lag for zendesk
    (fixtures / "tickets.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    sim = run_local(root, "helpdesk", runs=RUNS, every=EVERY, start=START,
                    fixtures_dir=tmp_path / "fixtures", db_path=tmp_path / "z.duckdb",
                    fresh=True, connector=connector)
    loaded = Counter(r["id"] for r in sim.engine.table_rows(sim.database, "helpdesk_tickets"))
    last_end = max(r["end_time"] for r in sim.log() if r["status"] == "SUCCESS"
                   and r["table_name"])
    wanted = {r["id"] for r in rows if r["updated_at"] < last_end}
    return root, sim, loaded, wanted


def misplaced(sim) -> list[str]:
    """Rows whose tag (the end of the window that loaded them) is not the end of the
    half-open window their updated_at lies in."""
    windows = [(r["start_time"], r["end_time"]) for r in sim.log() if r["status"] == "SUCCESS"
               and r["table_name"]]
    out = []
    for row in sim.engine.table_rows(sim.database, "helpdesk_tickets"):
        tag = datetime.fromtimestamp(row["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if not any(s <= row["updated_at"] < e and e == tag for s, e in windows):
            out.append(row["id"])
    return out


def test_boundary_rows_load_once_on_zendesk_real_bounds(tmp_path):
    root, sim, loaded, wanted = simulate(tmp_path)
    assert all(r.success for r in sim.runs)
    assert set(loaded) == wanted and max(loaded.values()) == 1
    assert not misplaced(sim)  # each row carries the tag of the window [start, end) it is in
    config = (root / "workflows" / "config" / "helpdesk_tickets_load.yml").read_text()
    assert "start less one step (its start is exclusive" in config
    assert "end less one step (its end is inclusive)" in config


def test_the_half_open_window_passed_as_is_would_lose_and_duplicate(tmp_path):
    """The same runs with the catalog's translation undone (start and end passed as is):
    each window becomes (start, end], so the row at the first start is lost and a row at a
    window end is loaded by the window before it — what the translation prevents."""

    class Untranslated(ZendeskConnector):
        def load(self, config, database, table, now):
            source = dict(config["in"])
            for key in ("start_time", "end_time"):
                at = datetime.fromisoformat(source[key].replace("Z", "+00:00"))
                source[key] = (at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            return super().load({**config, "in": source}, database, table, now)

    _root, sim, loaded, wanted = simulate(tmp_path, Untranslated)
    assert "start" in wanted and "start" not in loaded  # the first start's row is lost
    assert misplaced(sim)  # and rows at a window end land in the window before


def test_a_future_end_imports_nothing_and_the_lag_keeps_the_end_behind(tmp_path):
    class SlowClock(ZendeskConnector):
        skew = 10 * 60  # the connector host's clock runs ten minutes behind

    _root, sim, loaded, _wanted = simulate(tmp_path, SlowClock)
    # with the 5-minute lag the end is "in the future" on that host: nothing is imported
    # though every load succeeds, which is why the lag must exceed the clock skew
    assert all(r.success for r in sim.runs) and not loaded
