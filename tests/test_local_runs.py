"""Ten scheduled runs of every reference source, with failures: nothing lost, nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from generator.local import fixtures as fx
from generator.local.simulate import Failure, run_local
from generator.spec.project import load_project
from generator.render.plan import resolved_sources
from tests.conftest import REPO
from tests.local_invariants import assert_errors_logged, assert_full, assert_incremental

START = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)  # runs cross a month end
EVERY = timedelta(hours=13)
FAILURES = {
    "klaviyo": ["campaigns@2", "events@5", "campaigns@6", "metrics@4"],
    "onetrust": ["collection_point@3", "collection_point@4", "data_subject_profile@9"],
    "shopify_v2": ["products@1", "product_variants@7"],
    "google_bigquery": ["shopify_order@2", "shopify_order_line@2", "gold_user_profile@5"],
    "pinterest": ["campaigns@3", "ad_groups@10"],
}
SOURCES = {s.name: s for s in resolved_sources(load_project(REPO))}


def simulate(source, failures, tmp_path, runs=10):
    sim = run_local(REPO, source, runs=runs, every=EVERY, start=START, failures=failures,
                    db_path=tmp_path / "local.duckdb", fresh=True)
    times = [START + EVERY * k for k in range(runs)]
    src = SOURCES[source]
    fixtures = fx.build([src], _period(src, times), times)
    return sim, src, fixtures, times


def _period(src, times):
    from generator.local.simulate import _period as period

    return period(src, times)


@pytest.mark.parametrize("source", sorted(FAILURES))
def test_ten_runs_with_failures(source, tmp_path):
    failures = [Failure.parse(f) for f in FAILURES[source]]
    sim, src, fixtures, times = simulate(source, failures, tmp_path)
    assert [r.success for r in sim.runs] == [
        not any(f.run == r.number for f in failures) for r in sim.runs]
    for load in src.loads:
        if load.incremental:
            assert_incremental(sim, src, load, fixtures)
        else:
            assert_full(sim, src, load, times)
    assert_errors_logged(sim, failures)


def test_a_transient_failure_is_retried_within_the_run(tmp_path):
    """_retry on the group around td_load> runs the load again; the window succeeds."""
    failures = [Failure.parse("lists@2#1")]
    sim, src, fixtures, _ = simulate("klaviyo", failures, tmp_path, runs=3)
    assert all(r.success for r in sim.runs)
    lists = next(load for load in src.loads if load.name == "lists")
    assert_incremental(sim, src, lists, fixtures)
    assert not [r for r in sim.log() if r["status"] == "ERROR"]


def test_a_failed_window_is_loaded_by_the_next_run(tmp_path):
    sim, src, _fixtures, _ = simulate("shopify_v2", [Failure.parse("products@2")], tmp_path,
                                      runs=3)
    error = next(r for r in sim.runs[1].log if r["status"] == "ERROR")
    retry = next(r for r in sim.runs[2].log if r["status"] == "SUCCESS"
                 and r["table_name"] == "shopify_v2_products")
    assert error["start_time"] == retry["start_time"]
    assert retry["end_time"] > error["end_time"]


def test_one_failing_object_holds_no_other_back(tmp_path):
    """Each object runs as its own attempt (require> with ignore_failure): with
    `_parallel: {limit: 3}` a failure no longer stops the later chunks (legacy defect 10);
    the run still ends failed, and the next run loads the failed window."""
    sim, src, fixtures, _ = simulate("google_bigquery", [Failure.parse("shopify_order@2")],
                                     tmp_path, runs=3)
    run2 = sim.runs[1]
    assert not run2.success and "google_bigquery_shopify_order" in run2.error
    done = {r["table_name"] for r in run2.log if r["status"] == "SUCCESS"}
    assert done == {load.table for load in src.loads} - {"google_bigquery_shopify_order"}
    assert sim.runs[2].success
    for load in src.loads:
        if load.incremental:
            assert_incremental(sim, src, load, fixtures)
