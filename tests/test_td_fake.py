"""The fake TD (``tests/fake_td.py``) speaks td-client's protocol."""

from __future__ import annotations

import pytest

from tests.fake_td import API_KEY, FakeTd, fake_td  # noqa: F401 (the fixture)


def _client(td: FakeTd, key: str = API_KEY):
    import tdclient

    return tdclient.Client(apikey=key, endpoint=td.url, max_cumul_retry_delay=-1)


def test_td_client_runs_a_trino_query_on_duckdb_through_the_fake(fake_td):
    fake_td.log_rows = [{"source_name": "s", "status": "SUCCESS", "time": 10},
                        {"source_name": "s", "status": "STARTED", "time": 20},
                        {"source_name": "t", "status": "SUCCESS", "time": 1704067200}]
    with _client(fake_td) as c:
        job = c.query("src_ingestion", "SELECT source_name, status, time FROM ingestion_log "
                      "WHERE time >= 5 AND status IN ('SUCCESS') ORDER BY time", type="trino")
        job.wait(wait_interval=0.01)
        assert job.success()
        assert list(job.result()) == [["s", "SUCCESS", 10], ["t", "SUCCESS", 1704067200]]
        assert [c[0] for c in job.result_schema] == ["source_name", "status", "time"]
        # Trino and TD functions run as the local engine runs them, not as Python filters
        job = c.query("src_ingestion", "SELECT TD_TIME_FORMAT(max(time), 'yyyy-MM-dd', 'UTC') "
                      "AS day, count(*) AS n FROM ingestion_log WHERE TD_TIME_RANGE(time, "
                      "'2023-12-31', NULL)", type="trino")
        job.wait(wait_interval=0.01)
        assert list(job.result()) == [["2024-01-01", 1]]
    assert [r.path for r in fake_td.requests][:2] == ["/v3/job/issue/trino/src_ingestion",
                                                      "/v3/job/status/4242"]


def test_the_result_is_served_as_json_lines_too(fake_td):
    fake_td.log_rows = [{"source_name": "s", "status": "ERROR", "error_message": "a\nb",
                         "time": 7}]
    with _client(fake_td) as c:
        job = c.query("src_ingestion", "SELECT source_name, error_message, time FROM "
                      "ingestion_log", type="trino")
        job.wait(wait_interval=0.01)
        assert list(job.result_format("json")) == [["s", "a\nb", 7]]
    assert fake_td.calls("GET", "/v3/job/result/4242")[-1].query["format"] == "json"


def test_a_query_that_fails_ends_its_job_in_error_with_the_reason(fake_td):
    fake_td.log_rows = None  # the database exists, the log table does not
    with _client(fake_td) as c:
        job = c.query("src_ingestion", "SELECT * FROM ingestion_log", type="trino")
        job.wait(wait_interval=0.01)
        assert job.status() == "error" and not job.success()
        assert "ingestion_log does not exist" in job.debug["stderr"]


def test_a_database_the_fake_does_not_have_is_not_found(fake_td):
    from tdclient.errors import NotFoundError

    with _client(fake_td) as c, pytest.raises(NotFoundError, match="'nowhere' does not exist"):
        c.query("nowhere", "SELECT 1", type="trino")


def test_the_fake_refuses_a_wrong_key_and_echoes_it(fake_td):
    from tdclient.errors import AuthError

    with _client(fake_td, "wrong") as c, pytest.raises(AuthError, match="TD1 wrong"):
        c.query("db", "SELECT 1", type="trino")
