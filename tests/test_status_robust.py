"""`tdgen status` on a log that is not what the workflows write (issue 10): NULL, mistyped and
foreign-format values are INVALID rows, never dropped, never a traceback; duplicated SUCCESS
rows are no overlap; a reused log_id still shows the stuck load."""

from __future__ import annotations

from datetime import timedelta

import pytest

from generator.td.ingestion_log import ERROR, STARTED, SUCCESS, LogRow, whole_number
from generator.td.unfinished import open_started
from tests.test_td_status import at, one, row, started, ts, window


def mapped(**values) -> LogRow:
    base = {"log_id": "1-1-orders", "source_name": "shop", "workflow_name": "shop_ingest_inc",
            "table_name": "orders", "status": SUCCESS, "start_time": ts(30),
            "end_time": ts(20), "records_processed": 5, "error_message": None,
            "time": at(20)}
    return LogRow.from_mapping({**base, **values})


@pytest.mark.parametrize("column, value, problem", [
    ("time", None, "time is NULL"),
    ("time", at(20) * 1000, "is not unix seconds (milliseconds?)"),
    ("time", "١٧١٥٣٠٠٠٠٠", "is not a whole number"),  # Arabic-Indic digits
    ("time", "soon", "is not a whole number"),
    ("time", -5, "is not unix seconds"),
    ("records_processed", "twelve", "is not a whole number"),
    ("records_processed", True, "is not a whole number"),
    ("records_processed", 1.5, "is not a whole number"),
])
def test_a_value_that_is_not_what_the_workflows_write_is_invalid(column, value, problem):
    bad = mapped(**{column: value})
    assert getattr(bad, column) is None
    assert any(problem in p for p in bad.invalid), bad.invalid
    report, t = one([window(50, 30), bad])
    assert t.state == "invalid" and not report.healthy
    assert any("row(s) with invalid values" in p and problem in p for p in t.problems)


def test_numbers_as_ascii_text_are_read():
    good = mapped(time=str(at(20)), records_processed="12")
    assert (good.time, good.records_processed, good.invalid) == (at(20), 12, ())
    assert whole_number("records_processed", 7.0) == (7, None)


def test_an_error_with_a_null_time_is_never_dropped_and_keeps_the_table_failing():
    null_error = mapped(status=ERROR, time=None, error_message="connector refused",
                        start_time=ts(20), end_time=ts(10))
    report, t = one([window(30, 20), null_error])
    assert not report.healthy
    assert t.error_streak == 1 and t.state == "failing"
    assert "connector refused" in " ".join(t.problems)


def test_duplicated_success_rows_are_not_an_overlap():
    rows = [window(50, 30), window(30, 20), window(30, 20), window(30, 20), window(20, 1)]
    report, t = one(rows)
    assert t.gaps == [] and report.healthy, t.problems


def test_a_reused_log_id_still_shows_the_stuck_load():
    rows = [started(30, 20, "1-1-orders"), window(30, 20, log_id="1-1-orders"),
            started(20, 10, "1-1-orders")]  # the same id again, never finished
    report, t = one(rows, stale_after=timedelta(hours=5))
    assert [u.log_id for u in t.unfinished] == ["1-1-orders"]
    assert t.unfinished[0].stuck and t.state == "failing"


def test_open_started_pairs_each_end_with_the_oldest_open_start():
    rows = [row(STARTED, None, None, 10, log_id="a"), row(STARTED, None, None, 20, log_id="a"),
            row(SUCCESS, None, None, 25, log_id="a"), row(STARTED, None, None, 30, log_id="b"),
            row(ERROR, None, None, 5, log_id="b"), row(STARTED, None, None, None, log_id="c"),
            row(SUCCESS, None, None, None, log_id="c")]
    assert open_started(rows) == {id(rows[1]), id(rows[3])}


def test_many_unfinished_loads_beside_many_successes_are_each_judged():
    rows = []
    for i in range(20_000):  # 20k STARTED never finished and 20k SUCCESS of other ids
        rows.append(row(STARTED, ts(30), ts(20), at(20) + i, log_id=f"s{i}"))
        rows.append(row(SUCCESS, ts(30), ts(20), at(20) + i, log_id=f"w{i}"))
    _, t = one(rows)  # pairwise, this took minutes; benchmarks/run.py measures 1M rows
    assert len(t.unfinished) == 20_000
    assert [u.log_id for u in t.unfinished if not u.superseded] == ["s19999"]
