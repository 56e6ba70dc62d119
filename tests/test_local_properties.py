"""Property tests: any task may fail (once or on every attempt) or lose its worker, sessions
may overlap, and the promises still hold: every fixture row of the loaded range is in its
table exactly once, the SUCCESS windows tile, and history covers its months exactly once.

CI runs a fixed matrix: every task of the object workflows with each kind of fault, and a set of
random multi-fault examples (derandomized, so CI cannot turn red by chance). A deeper check
runs many random examples: ``TDGEN_DEEP=300 .venv/bin/python -m pytest
tests/test_local_properties.py -k random``.

Expected values come from the fixtures and from an oracle written here (calendar months
counted by hand), never from the generator's own functions.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.render.generate import generate
from generator.local import fixtures as fx
from generator.local.faults import Fault
from generator.local.simulate import _period, run_local
from generator.render.plan import resolved_sources
from generator.render.writer import apply, changed
from tests.conftest import copy_project
from tests.local_invariants import assert_full, assert_incremental, boundary_duplicates

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
  - name: metrics
    table: demo_metrics
history:
  start: "2025-11-15T12:00:00.000000"
  months_per_run: 2
"""
START = datetime(2026, 4, 29, 18, tzinfo=UTC)  # runs cross a month end
EVERY = timedelta(hours=13)
DEEP = int(os.environ.get("TDGEN_DEEP", "0"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("demo") / "repo")
    for spec in (root / "sources").glob("*.yml"):
        spec.unlink()
    (root / "sources" / "demo.yml").write_text(SPEC)
    project, statuses = generate(root)
    apply(root, changed(statuses))
    return root, resolved_sources(project)[0]


def months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The oracle: [start, first of next month), ..., [first of a month, end)."""
    out, lower = [], start
    while lower < end:
        year, month = (lower.year + lower.month // 12, lower.month % 12 + 1)
        upper = min(datetime(year, month, 1, tzinfo=UTC), end)
        out.append((lower, upper))
        lower = upper
    return out


def check_incremental(sim, src, runs, start=START, every=EVERY):
    times = [start + every * k for k in range(runs)]
    fixtures = fx.build([src], _period(src, times), times)
    for load in src.loads:
        if not [r for r in sim.log() if r["table_name"] == load.table
                and r["status"] == "SUCCESS"]:
            continue  # failed in every run: nothing loaded, nothing to compare
        if load.incremental:
            assert_incremental(sim, src, load, fixtures)
        else:
            assert_full(sim, src, load, times)


def check_history(sim, src, runs):
    fmt = src.format
    h_start, h_end = fmt.parse(src.spec.history.start), fmt.parse(src.spec.default_start_time)
    expected = [(fmt.format(a), fmt.format(b)) for a, b in months(h_start, h_end)]
    hist = src.history[0]
    done = Counter((r["start_time"], r["end_time"]) for r in sim.log()
                   if r["table_name"] == hist.table and r["status"] == "SUCCESS")
    assert max(done.values(), default=1) == 1, done  # no month logged twice
    assert set(done) <= set(expected)
    times = [START + EVERY * k for k in range(runs)]
    obj = fx.build([src], _period(src, times), times).of(hist.name)
    column = obj.column_for(hist.connector_field)
    covered = [(fmt.parse(a), fmt.parse(b)) for a, b in done]
    wanted = {r["id"] for r in obj.rows(None) if r.get(column)
              and any(a <= fmt.parse(r[column]) < b for a, b in covered)}
    loaded = Counter(r["id"] for r in sim.engine.table_rows(sim.database, hist.table))
    # klaviyo's start bound is unknown: each batch is given its start less one step, so a row
    # exactly one step before a month's start may load with both months (documented)
    twice_ok = boundary_duplicates(src, [{"start_time": a} for a, _ in done])
    at = {r["id"]: fmt.parse(r[column]) for r in obj.rows(None) if r.get(column)}
    assert not {i for i, n in loaded.items() if n > 1 and at.get(i) not in twice_ok}
    assert wanted <= set(loaded)
    assert not {i for i in set(loaded) - wanted if at.get(i) not in twice_ok}


def simulate(root, tmp_path, faults, runs, hist=False, overlap=None):
    return run_local(root, "demo", runs=runs, every=EVERY, start=START, failures=faults,
                     hist=hist, db_path=tmp_path / "p.duckdb", fresh=True, overlap=overlap)


INC_MATRIX = [  # (preconditions, the task faulted, its run)
    ([], "create_table", 2), ([], "window", 2), ([], "probe_table", 1), ([], "claim", 2),
    ([], "claim_state", 2), ([], "td_load", 2), ([], "log_success", 2),
    ([], "load_object", 2),
    (["lists:td_load@1!"], "log_committed_claims", 2),
    (["lists:td_load@2"], "log_error", 2),
]
HIST_MATRIX = [
    ([], "create_table", 2), ([], "pending_batches", 2), ([], "claim", 2),
    ([], "claim_state", 2), ([], "td_load", 2), ([], "log_success", 2),
    ([], "load_object", 2), ([], "all_months_done", 4),
    (["lists:td_load@1!"], "log_committed_claims", 2),
    (["lists:td_load@2"], "log_error", 2),
]
KINDS = ["once", "every", "kill"]


def _faults(pre: list[str], task: str, run: int, kind: str) -> list[Fault]:
    faults = [Fault.parse(p.rstrip("!"), kill=p.endswith("!")) for p in pre]
    if kind == "kill":
        return faults + [Fault("lists", run, None, task, kill=True)]
    return faults + [Fault("lists", run, 1 if kind == "once" else None, task)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pre,task,run", INC_MATRIX, ids=[m[1] for m in INC_MATRIX])
def test_a_fault_at_any_incremental_task_keeps_exactly_once(demo, tmp_path, pre, task, run,
                                                            kind):
    root, src = demo
    sim = simulate(root, tmp_path, _faults(pre, task, run, kind), runs=4)
    check_incremental(sim, src, 4)
    assert sim.runs[-1].success  # the normal runs after it recover


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pre,task,run", HIST_MATRIX, ids=[m[1] for m in HIST_MATRIX])
def test_a_fault_at_any_history_task_keeps_exactly_once(demo, tmp_path, pre, task, run, kind):
    root, src = demo
    sim = simulate(root, tmp_path, _faults(pre, task, run, kind), runs=6, hist=True)
    check_history(sim, src, 6)


def test_history_covers_its_range_and_then_says_so(demo, tmp_path):
    root, src = demo
    sim = simulate(root, tmp_path, [], runs=6, hist=True)
    check_history(sim, src, 6)
    fmt = src.format
    expected = months(fmt.parse(src.spec.history.start), fmt.parse(src.spec.default_start_time))
    done = [r for r in sim.log() if r["status"] == "SUCCESS" and r["table_name"]]
    assert len(done) == len(expected)  # the oracle's months, every one
    for run in sim.runs:  # at most months_per_run per object and run
        per_table = Counter(r["table_name"] for r in run.log if r["status"] == "SUCCESS")
        assert max(per_table.values(), default=0) <= src.spec.history.months_per_run
    skipped = [r for r in sim.runs[-1].log if r["status"] == "SKIPPED"]
    assert skipped and skipped[0]["error_message"] == "every historical month is already loaded"


def test_overlapping_sessions_with_a_failure_keep_exactly_once(demo, tmp_path):
    root, src = demo
    sim = simulate(root, tmp_path, [Fault("lists", 2, 1, "td_load")], runs=4, overlap=1)
    check_incremental(sim, src, 4)


def test_overlapping_sessions_answer_the_same_whichever_thread_starts_first(demo, tmp_path,
                                                                            monkeypatch):
    """The two overlapping runs' claims tie on time and their ids decide: ids follow the order
    the runs start, not the order their threads get going (run K's thread held back here)."""
    import time

    from generator.local import simulate as simulate_module

    root, _ = demo

    def rows(sim):
        return [(r["log_id"], r["status"], r["start_time"], r["end_time"]) for r in sim.log()]

    (tmp_path / "a").mkdir()
    first = rows(simulate(root, tmp_path / "a", [], runs=3, overlap=1))
    attempt = simulate_module._Runner._attempt

    def late(self, k, *args, **kwargs):
        if k == 1:
            time.sleep(0.3)  # run 2's thread allocates its ids first unless they were given
        return attempt(self, k, *args, **kwargs)

    monkeypatch.setattr(simulate_module._Runner, "_attempt", late)
    (tmp_path / "b").mkdir()
    assert rows(simulate(root, tmp_path / "b", [], runs=3, overlap=1)) == first


tasks = st.sampled_from([t for _, t, _ in INC_MATRIX if t != "log_committed_claims"])
fault = st.tuples(st.sampled_from(["lists", "metrics"]), tasks, st.integers(1, 4),
                  st.sampled_from([1, 2, None, "kill"]))


@settings(max_examples=DEEP or 6, deadline=None, derandomize=not DEEP, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(faults=st.lists(fault, min_size=2, max_size=4),
       overlap=st.sampled_from([None, None, 1, 2]))
def test_random_faults_keep_exactly_once(demo, tmp_path, faults, overlap):
    root, src = demo
    chosen = [Fault(o, r, None if n == "kill" else n, t, kill=n == "kill")
              for o, t, r, n in faults]
    sim = simulate(root, tmp_path, chosen, runs=5, overlap=overlap)
    check_incremental(sim, src, 5)


REFERENCE_FAULTS = [("td_load", "every"), ("log_success", "kill"), ("claim_state", "once")]


def _reference_cases():
    from tests.test_local_runs import SOURCES

    for name, src in sorted(SOURCES.items()):
        for kind in ("inc", "hist") if src.history else ("inc",):
            loads = src.history if kind == "hist" else src.loads
            faults = REFERENCE_FAULTS if not DEEP else [
                (t, k) for _, t, _ in (HIST_MATRIX if kind == "hist" else INC_MATRIX)
                for k in KINDS]
            for task, fault_kind in faults:
                yield pytest.param(name, kind, loads[0].name, task, fault_kind,
                                   id=f"{name}-{kind}-{task}-{fault_kind}")


@pytest.mark.parametrize("source,kind,obj,task,fault_kind", list(_reference_cases()))
def test_each_reference_source_keeps_exactly_once_under_faults(tmp_path, source, kind, obj,
                                                                task, fault_kind):
    """Every reference source, both workflows: a fault at the load, at the SUCCESS insert
    (a lost worker right after it) and at the claim check, then normal runs. CI runs these
    three kinds; TDGEN_DEEP=1 runs every task with every kind of fault."""
    from tests.conftest import REPO
    from tests.test_local_runs import SOURCES

    src = SOURCES[source]
    start, every, runs = datetime(2026, 11, 20, tzinfo=UTC), timedelta(days=1), 4
    fault = Fault(obj, 2, 1 if fault_kind == "once" else None, task,
                  kill=fault_kind == "kill")
    sim = run_local(REPO, source, runs=runs, every=every, start=start, failures=[fault],
                    hist=kind == "hist", db_path=tmp_path / "r.duckdb", fresh=True)
    if kind == "inc":
        check_incremental(sim, src, runs, start, every)
    else:
        done = Counter((r["table_name"], r["start_time"]) for r in sim.log()
                       if r["status"] == "SUCCESS" and r["table_name"])
        assert done and max(done.values()) == 1  # no month of any table logged twice
        for load in src.history:
            tagged = Counter(r["time"] for r in sim.engine.table_rows(sim.database,
                                                                       load.table))
            logged = {int(src.format.parse(r["end_time"]).timestamp()): r["records_processed"]
                      for r in sim.log() if r["status"] == "SUCCESS"
                      and r["table_name"] == load.table}
            assert dict(tagged) == {t: n for t, n in logged.items() if n}, load.table
