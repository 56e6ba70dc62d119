"""The promises of the local engine's runs, asserted on a finished simulation."""

from __future__ import annotations

from collections import Counter

from generator.local.fixtures import snapshot


def success_windows(log: list[dict], table: str, workflow: str) -> list[dict]:
    rows = [r for r in log if r["table_name"] == table and r["status"] == "SUCCESS"
            and r["workflow_name"] == workflow]
    return sorted(rows, key=lambda r: (r["start_time"] or "", r["time"]))


def assert_incremental(sim, src, load, fixtures) -> None:
    log = sim.log()
    fmt = src.format
    windows = success_windows(log, load.table, src.inc_workflow)
    assert windows, f"{load.table}: no successful window"
    assert windows[0]["start_time"] == src.spec.default_start_time
    for before, after in zip(windows, windows[1:]):
        assert before["end_time"] == after["start_time"], (load.table, before, after)
    start, end = fmt.parse(windows[0]["start_time"]), fmt.parse(windows[-1]["end_time"])
    obj = fixtures.of(load.name)
    column = obj.column_for(load.connector_field)
    expected = {r["id"] for r in obj.rows(None) if start <= fmt.parse(r[column]) < end}
    loaded = Counter(r["id"] for r in sim.engine.table_rows(sim.database, load.table))
    duplicates = {k: n for k, n in loaded.items() if n > 1}
    assert not duplicates, f"{load.table}: loaded more than once: {sorted(duplicates)[:5]}"
    assert set(loaded) == expected, (load.table, sorted(expected - set(loaded))[:5],
                                     sorted(set(loaded) - expected)[:5])
    for row in windows:
        assert int(row["records_processed"]) >= 0
    errors = [r for r in log if r["table_name"] == load.table and r["status"] == "ERROR"]
    for error in errors:
        assert error["error_message"], error
        assert error["start_time"] and error["end_time"], error
        later = [w for w in windows if w["start_time"] == error["start_time"]
                 and w["time"] >= error["time"]]
        assert later or error["start_time"] == windows[-1]["end_time"], \
            f"{load.table}: the failed window {error['start_time']} was not loaded again"


def assert_full(sim, src, load, moments: list) -> None:
    log = sim.log()
    done = [r for r in log if r["table_name"] == load.table and r["status"] == "SUCCESS"]
    assert done, f"{load.table}: no successful load"
    last = max(done, key=lambda r: int(str(r["log_id"]).split("-")[0]))
    moment = moments[int(str(last["log_id"]).split("-")[0]) - 1]  # log_id: session-attempt-
    rows = sim.engine.table_rows(sim.database, load.table)
    expected = snapshot(load.name, moment)
    assert sorted((r["id"], r["value"]) for r in rows) == \
        sorted((r["id"], r["value"]) for r in expected)


def assert_errors_logged(sim, failures) -> None:
    log = sim.log()
    for failure in failures:
        of_run = [r for r in log if str(r["log_id"]).startswith(f"{failure.run}-1-")
                  and failure.obj in (r["table_name"] or "")]
        if not [r for r in of_run if r["status"] == "STARTED"]:
            continue  # never started: an earlier _parallel chunk failed (Digdag's barrier)
        errors = [r for r in of_run if r["status"] == "ERROR"]
        assert errors, f"no ERROR row for {failure}"
        assert "injected failure" in errors[0]["error_message"]
