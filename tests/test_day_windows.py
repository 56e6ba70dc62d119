"""Windows of whole days (Mixpanel, Marketo: ``from_date`` + ``fetch_days``), end to end on the
local engine, in a time zone with daylight saving (Europe/Berlin: 2024-03-31 has 23 hours).

Expected rows are worked out here from fixture instants and Berlin midnights written as UTC
literals, never from the generator's own date arithmetic.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import catalog
from generator.cli import generate_source
from generator.local.connector import ConnectorError, FixtureConnector, read_request
from generator.local.plan import plan
from generator.local.simulate import run_local
from generator.spec.project import load_project
from generator.render.plan import resolved_sources
from generator.td.ingestion_log import LogRow
from generator.td.status import analyse, expected_tables
from tests.conftest import copy_project
from tests.test_scaffold import flags

ZONE = "Europe/Berlin"
# Berlin midnights, as UTC instants (CET is +01:00, CEST from 2024-03-31 03:00 is +02:00)
MIDNIGHT = {
    "2024-03-28": datetime(2024, 3, 27, 23, tzinfo=UTC),
    "2024-03-29": datetime(2024, 3, 28, 23, tzinfo=UTC),
    "2024-03-30": datetime(2024, 3, 29, 23, tzinfo=UTC),
    "2024-03-31": datetime(2024, 3, 30, 23, tzinfo=UTC),
    "2024-04-01": datetime(2024, 3, 31, 22, tzinfo=UTC),  # 03-31 is 23 hours long
    "2024-04-02": datetime(2024, 4, 1, 22, tzinfo=UTC),
    "2024-04-03": datetime(2024, 4, 2, 22, tzinfo=UTC),
}
SECOND = timedelta(seconds=1)


def _rows() -> list[dict]:
    """Events at every day boundary, a second before it, noon, and the DST change's edges."""
    instants = []
    for midnight in MIDNIGHT.values():
        instants += [midnight, midnight - SECOND, midnight + timedelta(hours=12)]
    instants += [datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC),  # 01:59:59 CET
                 datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC)]  # 03:00:00 CEST
    return [{"id": f"e{i}", "time_": int(t.timestamp())} for i, t in enumerate(sorted(instants))]


ROWS = _rows()


def _ids(lower: str, upper: str) -> set[str]:
    a, b = int(MIDNIGHT[lower].timestamp()), int(MIDNIGHT[upper].timestamp())
    return {r["id"] for r in ROWS if a <= r["time_"] < b}


@pytest.fixture(scope="module")
def berlin(tmp_path_factory) -> Path:
    """A project in Europe/Berlin with a scaffolded Mixpanel source and its fixture rows."""
    root = copy_project(tmp_path_factory.mktemp("days") / "repo")
    settings = root / "tdgen.yml"
    settings.write_text(settings.read_text().replace("timezone: UTC", f"timezone: {ZONE}"))
    result = CliRunner().invoke(generate_source, [
        "mx", *flags(catalog.get("mixpanel")), "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    spec = root / "sources" / "mx.yml"
    text = spec.read_text()
    start = text.split("default_start_time: ")[1].split("\n")[0]
    spec.write_text(text.replace(start, '"2024-03-28"'))
    from generator.cli import cli

    assert CliRunner().invoke(cli, ["generate", "--root", str(root)]).exit_code == 0
    folder = root / "fixtures" / "mx"
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return root


class Recording(FixtureConnector):
    """The fixture connector, keeping every load config it was given."""

    configs: list[dict] = []

    def load(self, config, database, table, now):
        Recording.configs.append(config)
        return super().load(config, database, table, now)


def _run(root, tmp_path, start, runs=1, every=timedelta(days=1), fresh=False):
    return run_local(root, "mx", runs=runs, every=every, start=start,
                     fixtures_dir=root / "fixtures", db_path=tmp_path / "l.duckdb",
                     fresh=fresh, connector=Recording)


def _successes(sim) -> list[dict]:
    rows = [r for r in sim.log() if r["status"] == "SUCCESS" and r["start_time"]]
    return sorted(rows, key=lambda r: r["start_time"])


def _loaded(sim) -> list[dict]:
    return sim.engine.table_rows(sim.database, "mx_events")


def test_a_catch_up_after_missed_days_loads_each_day_once(berlin, tmp_path):
    Recording.configs = []
    # 2024-03-30 01:00 CET less the 2h lag is still 03-29: only 03-28 is complete
    _run(berlin, tmp_path, datetime(2024, 3, 30, 0, 0, tzinfo=UTC), fresh=True)
    # three days later (the schedule was down): every missing day in one window
    sim = _run(berlin, tmp_path, datetime(2024, 4, 2, 6, 0, tzinfo=UTC))
    windows = [(w["start_time"], w["end_time"]) for w in _successes(sim)]
    assert windows == [("2024-03-28", "2024-03-29"), ("2024-03-29", "2024-04-02")]
    given = [(c["in"]["from_date"], c["in"]["fetch_days"], c["in"]["timezone"])
             for c in Recording.configs]
    assert given == [("2024-03-28", 1, ZONE), ("2024-03-29", 4, ZONE)]
    loaded = [r["id"] for r in _loaded(sim)]
    assert sorted(loaded) == sorted(_ids("2024-03-28", "2024-04-02"))  # each exactly once
    tags = {r["id"]: r["time"] for r in _loaded(sim)}
    for lower, upper in windows:  # the tag is the window's end: a Berlin midnight
        assert {tags[i] for i in _ids(lower, upper)} == {int(MIDNIGHT[upper].timestamp())}
    # a run later the same day finds no complete day to load
    again = _run(berlin, tmp_path, datetime(2024, 4, 2, 12, 0, tzinfo=UTC))
    assert len(_successes(again)) == 2 and len(_loaded(again)) == len(loaded)


def test_the_dst_day_is_one_window_of_23_hours(berlin, tmp_path):
    sim = _run(berlin, tmp_path, datetime(2024, 3, 30, 6, 0, tzinfo=UTC), runs=4, fresh=True)
    assert all(r.success for r in sim.runs)
    windows = {(w["start_time"], w["end_time"]): w for w in _successes(sim)}
    assert list(windows) == [("2024-03-28", "2024-03-30"), ("2024-03-30", "2024-03-31"),
                             ("2024-03-31", "2024-04-01"), ("2024-04-01", "2024-04-02")]
    by_tag: dict[int, set] = {}
    for r in _loaded(sim):
        by_tag.setdefault(r["time"], set()).add(r["id"])
    dst = by_tag[int(MIDNIGHT["2024-04-01"].timestamp())]
    assert dst == _ids("2024-03-31", "2024-04-01")
    assert int(windows[("2024-03-31", "2024-04-01")]["records_processed"]) == len(dst)
    # the 23-hour day holds 01:59:59 CET and 03:00:00 CEST, and its last second
    stamps = {r["time_"] for r in ROWS if r["id"] in dst}
    assert int(datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC).timestamp()) in stamps
    assert int((MIDNIGHT["2024-04-01"] - SECOND).timestamp()) in stamps
    assert int(MIDNIGHT["2024-04-01"].timestamp()) not in stamps
    assert sorted(r["id"] for r in _loaded(sim)) == sorted(_ids("2024-03-28", "2024-04-02"))


def test_status_and_plan_see_day_windows_as_contiguous(berlin, tmp_path):
    sim = _run(berlin, tmp_path, datetime(2024, 3, 30, 6, 0, tzinfo=UTC), runs=4, fresh=True)
    names = [f.name for f in fields(LogRow)]
    rows = [LogRow(**{k: r.get(k) for k in names}) for r in sim.log()]
    project = load_project(berlin)
    expected = [e for e in expected_tables(project, ["mx"]) if e.table == "mx_events"]
    now = datetime(2024, 4, 2, 6, 0, tzinfo=UTC)
    report = analyse(rows, expected, now, timedelta(days=2))
    table = next(t for t in report.tables if t.table == "mx_events")
    assert table.gaps == [] and table.problems == []
    plans = plan(berlin, "mx", now + timedelta(days=1), runs=3, log_rows=sim.log())
    windows = [(w.start, w.end) for w in plans[0].windows]
    assert windows == [("2024-04-02", "2024-04-03"), ("2024-04-03", "2024-04-04"),
                       ("2024-04-04", "2024-04-05")]
    assert plans[0].windows[0].start_instant == MIDNIGHT["2024-04-02"]


def test_history_batches_are_months_of_whole_days_in_the_zone(berlin):
    project = load_project(berlin)
    src = next(s for s in resolved_sources(project) if s.name == "mx")
    from generator.spec.resolved import batch

    fmt = src.format
    first = batch(fmt, MIDNIGHT["2024-03-28"], fmt.parse("2024-04-01"), src.bounds)
    assert (first.start, first.end, first.days) == ("2024-03-28", "2024-04-01", 4)
    assert first.end_unixtime == int(MIDNIGHT["2024-04-01"].timestamp())
    from generator.timestamp_formats import month_batches

    months = month_batches(fmt.parse("2024-02-15"), fmt.parse("2024-05-01"), fmt.zone)
    assert [fmt.format(u) for _, u in months] == ["2024-03-01", "2024-04-01", "2024-05-01"]
    assert months[1][1] == datetime(2024, 3, 31, 22, tzinfo=UTC)


def test_preview_defaults_to_the_last_complete_day(berlin):
    from generator.td.preview import default_window

    fmt = next(s for s in resolved_sources(load_project(berlin)) if s.name == "mx").format
    lower, upper = default_window(timedelta(hours=2), datetime(2024, 4, 1, 3, tzinfo=UTC), fmt)
    assert (lower, upper) == (MIDNIGHT["2024-03-31"], MIDNIGHT["2024-04-01"])
    hourly = default_window(timedelta(0), datetime(2024, 4, 1, 3, 30, tzinfo=UTC))
    assert hourly[1] - hourly[0] == timedelta(hours=1)


@pytest.mark.parametrize("value, days", [("2024-03-28", 0), ("2024-03-28", "2"),
                                         ("2024-03-28T00:00:00Z", 1)])
def test_the_fixture_connector_rejects_what_the_plugin_rejects(value, days):
    config = {"in": {"type": "mixpanel", "from_date": value, "fetch_days": days,
                     "timezone": ZONE}}
    with pytest.raises(ConnectorError):
        read_request(config)


def test_a_day_connector_with_a_format_of_instants_is_an_error(tmp_path):
    root = copy_project(tmp_path / "repo")
    result = CliRunner().invoke(generate_source, [
        "mk", *flags(catalog.get("marketo")), "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    spec = root / "sources" / "mk.yml"
    spec.write_text(spec.read_text().replace("timestamp_format: date",
                                             "timestamp_format: millis_z"))
    from generator.cli import cli

    out = CliRunner().invoke(cli, ["check", "--root", str(root)])
    assert out.exit_code != 0
    line = next(n for n, t in enumerate(spec.read_text().splitlines(), 1)
                if t.startswith("timestamp_format"))
    assert f"sources/mk.yml:{line}:" in out.output and "whole days" in out.output
