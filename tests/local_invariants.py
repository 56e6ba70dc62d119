"""The promises of the local engine's runs, asserted on a finished simulation.

Expected rows come from the fixtures and the logged windows, never from the generator's own
functions: a row whose instant lies in the loaded range [first start, last end) must be in the
table exactly once. The one exception is documented: a connector whose start bound is unknown
is given the start less one step (it cannot lose a row), so a row exactly one step before a
window's start may load twice (docs/sources/<source>.md says so).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from generator.local.fixtures import snapshot


def success_windows(log: list[dict], table: str, workflow: str) -> list[dict]:
    rows = [r for r in log if r["table_name"] == table and r["status"] == "SUCCESS"
            and r["workflow_name"] == workflow]
    return sorted(rows, key=lambda r: (r["start_time"] or "", r["time"]))


def _instant(obj, row, column):
    value = row.get(column)
    if value is None or value == "":
        return None
    return obj.instant(value, row)


def boundary_duplicates(src, windows) -> set:
    """Instants that may load twice: one step before each window start, when the
    connector's start is unknown (the generator passes start less one step)."""
    bounds, fmt = src.bounds, src.format
    if bounds is None or bounds.start.value != "unknown" or src.connector.window.style != "params":
        return set()
    return {fmt.parse(w["start_time"]) - fmt.precision for w in windows}


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
    instants = {r["id"]: _instant(obj, r, column) for r in obj.rows(None)}
    expected = {i for i, t in instants.items() if t is not None and start <= t < end}
    loaded = Counter(r["id"] for r in sim.engine.table_rows(sim.database, load.table))
    twice_ok = boundary_duplicates(src, windows)
    duplicates = {k: n for k, n in loaded.items() if n > 1 and instants.get(k) not in twice_ok}
    assert not duplicates, f"{load.table}: loaded more than once: {sorted(duplicates)[:5]}"
    extra = {k for k in set(loaded) - expected if instants.get(k) not in twice_ok}
    assert set(loaded) >= expected and not extra, (
        load.table, sorted(expected - set(loaded))[:5], sorted(extra)[:5])
    for row in windows:
        assert int(row["records_processed"]) >= 0
    tagged = Counter(r["time"] for r in sim.engine.table_rows(sim.database, load.table))
    for row in windows:  # every SUCCESS window holds exactly the rows it logged
        tag = int(fmt.parse(row["end_time"]).timestamp())
        assert tagged.get(tag, 0) == int(row["records_processed"]), (load.table, row)
    errors = [r for r in log if r["table_name"] == load.table and r["status"] == "ERROR"]
    claimed = {r["log_id"] for r in log if r["status"] == "STARTED"}
    for error in errors:
        assert error["error_message"], error
        if error["log_id"] not in claimed:
            continue  # it failed before its window was computed and claimed
        assert error["start_time"] and error["end_time"], error
        later = [w for w in windows if w["start_time"] == error["start_time"]
                 and w["time"] >= error["time"]]
        assert later or error["start_time"] == windows[-1]["end_time"], \
            f"{load.table}: the failed window {error['start_time']} was not loaded again"


def assert_full(sim, src, load, moments: list) -> None:
    log = sim.log()
    done = [r for r in log if r["table_name"] == load.table and r["status"] == "SUCCESS"]
    assert done, f"{load.table}: no successful load"
    last = max(done, key=lambda r: r["time"])
    moment = datetime.fromtimestamp(last["time"], UTC)  # the log's time: the session's now
    rows = sim.engine.table_rows(sim.database, load.table)
    expected = snapshot(load.name, moment)
    assert sorted((r["id"], r["value"]) for r in rows) == \
        sorted((r["id"], r["value"]) for r in expected)


def assert_errors_logged(sim, failures) -> None:
    for failure in failures:
        of_run = [r for r in sim.runs[failure.run - 1].log
                  if failure.obj in (r["table_name"] or "")]
        if not [r for r in of_run if r["status"] == "STARTED"]:
            continue  # never claimed a window (it was empty, or another session had it)
        errors = [r for r in of_run if r["status"] == "ERROR"]
        assert errors, f"no ERROR row for {failure}"
        assert "injected failure" in errors[0]["error_message"]
