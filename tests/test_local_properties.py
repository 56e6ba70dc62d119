"""Property tests: random schedules, fixture seeds and failure patterns keep the invariants."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.formats import month_batches
from generator.generate import generate
from generator.local import fixtures as fx
from generator.local.simulate import Failure, _period, run_local
from generator.render.plan import resolved_sources
from generator.render.writer import apply, changed
from tests.conftest import copy_project
from tests.local_invariants import assert_full, assert_incremental

SPEC = """\
source: demo
connector: klaviyo
td_authentication_id: 456789
default_start_time: "2026-03-01T00:00:00.000000"
objects:
  - name: lists
    table: demo_lists
    incremental: {table_field: updated, connector_field: updated}
    history: {table_field: created, connector_field: created}
  - name: profiles
    table: demo_profiles
    incremental: {table_field: updated, connector_field: updated}
  - name: metrics
    table: demo_metrics
history:
  start: "2025-11-15T12:00:00.000000"
  months_per_run: 2
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("demo") / "repo")
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    (root / "sources" / "demo.yml").write_text(SPEC)
    project, statuses = generate(root)
    apply(root, changed(statuses))
    return root, resolved_sources(project)[0]


def _times(start, every, runs):
    return [start + every * k for k in range(runs)]


starts = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 2), max_value=datetime(2026, 6, 30)),
    st.sampled_from([datetime(2026, 3, 31, 23, 59, 59), datetime(2026, 4, 30, 23, 59, 59),
                     datetime(2026, 4, 1), datetime(2026, 5, 1, 0, 0, 0, 1)]),
).map(lambda d: d.replace(tzinfo=UTC))
everies = st.sampled_from([timedelta(hours=1), timedelta(hours=6), timedelta(hours=13),
                           timedelta(days=1), timedelta(days=3), timedelta(seconds=86399)])


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=starts, every=everies, runs=st.integers(2, 5), seed=st.integers(0, 10**6),
       failed=st.sets(st.tuples(st.sampled_from(["lists", "profiles", "metrics"]),
                                st.integers(1, 5)), max_size=4))
def test_incremental_invariants_hold(demo, tmp_path, start, every, runs, seed, failed):
    root, src = demo
    failures = [Failure(obj, run) for obj, run in failed if run <= runs]
    times = _times(start, every, runs)
    if all(any(f.run == k + 1 and f.obj != "metrics" for f in failures) for k in range(runs)):
        failures = failures[:0]  # keep at least one run that can succeed
    sim = run_local(root, "demo", runs=runs, every=every, start=start, failures=failures,
                    db_path=tmp_path / f"p{seed}.duckdb", fresh=True, seed=seed)
    fixtures = fx.build([src], _period(src, times), times, seed=seed)
    for load in src.loads:
        ran = [r for r in sim.log() if r["table_name"] == load.table and r["status"] == "SUCCESS"]
        if not ran:
            continue  # failed in every run: nothing to check but the absence of rows
        if load.incremental:
            assert_incremental(sim, src, load, fixtures)
        else:
            assert_full(sim, src, load, times)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), failed_run=st.integers(1, 3))
def test_history_covers_its_range_exactly_once_and_resumes(demo, tmp_path, seed, failed_run):
    root, src = demo
    start = datetime(2026, 11, 1, tzinfo=UTC)
    every = timedelta(days=1)
    runs = 4
    sim = run_local(root, "demo", runs=runs, every=every, start=start, hist=True,
                    failures=[Failure("lists", failed_run)], db_path=tmp_path / f"h{seed}.db",
                    fresh=True, seed=seed)
    fmt = src.format
    h_start, h_end = fmt.parse(src.spec.history.start), fmt.parse(src.spec.default_start_time)
    expected = [(fmt.format(a), fmt.format(b)) for a, b in month_batches(h_start, h_end)]
    hist = src.history[0]
    done = [(r["start_time"], r["end_time"]) for r in sim.log()
            if r["table_name"] == hist.table and r["status"] == "SUCCESS"]
    assert Counter(done) == Counter(expected)  # every month once, none twice
    for run in sim.runs:
        per_table = Counter(r["table_name"] for r in run.log if r["status"] == "SUCCESS")
        assert max(per_table.values(), default=0) <= src.spec.history.months_per_run
    times = _times(start, every, runs)
    fixtures = fx.build([src], _period(src, times), times, seed=seed)
    obj = fixtures.of(hist.name)
    column = obj.column_for(hist.connector_field)
    wanted = {r["id"] for r in obj.rows(None) if h_start <= fmt.parse(r[column]) < h_end}
    loaded = Counter(r["id"] for r in sim.engine.table_rows(sim.database, hist.table))
    assert set(loaded) == wanted and max(loaded.values()) == 1
    skipped = [r for r in sim.runs[-1].log if r["status"] == "SKIPPED"]
    assert skipped and skipped[0]["error_message"] == "every historical month is already loaded"


