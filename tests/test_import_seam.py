"""The seam at the log: an imported source ignores the ingestion_log rows its legacy project
logged (not exact watermarks), so its first window starts from the table or the default
start; rows its own workflows log after the import are its watermark as usual."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.importer.migrate import import_legacy
from generator.local.plan import plan
from tests.import_helpers import (FIRST_RUN, IMPORTED_AT, LEGACY, empty_repository,
                                  generate_and_check, load_spec)

EXPORT = LEGACY / "reference" / "ingestion_log_export.jsonl"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = empty_repository(tmp_path_factory.mktemp("seam") / "repo")
    import_legacy(root, LEGACY / "reference", ["klaviyo", "onetrust"], now=IMPORTED_AT,
                  log_file=EXPORT)
    assert generate_and_check(root) == []
    return root


def _legacy_rows():
    """The export's rows, named as the generated workflows name theirs (whatever the names,
    the seam tells legacy rows by the time they were logged)."""
    rows = [json.loads(line) for line in EXPORT.read_text().splitlines()]
    return [dict(r, workflow_name=r["workflow_name"].removesuffix(".dig")) for r in rows]


def _first_window(root, rows, obj="lists"):
    plans = plan(root, "klaviyo", FIRST_RUN, log_rows=rows)
    return next(p for p in plans if p.name == obj).windows[0]


def test_legacy_success_rows_are_not_watermarks(repo):
    window = _first_window(repo, _legacy_rows())
    assert (window.start, window.origin) == ("2025-09-01T00:00:00.000000", "default_start_time")


def test_without_the_key_the_legacy_end_would_be_the_watermark(repo, tmp_path):
    spec = repo / "sources/klaviyo.yml"
    text = spec.read_text()
    try:
        spec.write_text("".join(line for line in text.splitlines(True)
                                if not line.startswith("legacy_log_before")))
        assert generate_and_check(repo) == []
        window = _first_window(repo, _legacy_rows())
        assert (window.start, window.origin) == ("2026-10-31T02:00:03.000000", "ingestion_log")
    finally:
        spec.write_text(text)
        assert generate_and_check(repo) == []


def test_rows_logged_after_the_import_are_the_watermark(repo):
    ours = dict(_legacy_rows()[1], log_id="s-1-klaviyo_lists",
                start_time="2026-11-09T00:00:00.000000", end_time="2026-11-10T00:00:00.000000",
                time=int(IMPORTED_AT.timestamp()) + 9 * 86400)
    window = _first_window(repo, _legacy_rows() + [ours])
    assert (window.start, window.origin) == ("2026-11-10T00:00:00.000000", "ingestion_log")


def test_plan_says_why(repo):
    result = CliRunner().invoke(cli, ["plan", "klaviyo", "--log", str(EXPORT), "--now",
                                      FIRST_RUN.isoformat(), "--root", str(repo)])
    assert result.exit_code == 0, result.output
    assert "[2025-09-01T00:00:00.000000, " in result.output
    assert "logged before legacy_log_before (2026-11-01T00:00:00Z) are the legacy's" in \
        result.output


def test_history_starts_after_the_months_the_legacy_loaded(repo):
    spec = load_spec(repo, "onetrust")
    assert spec.history.start == "2024-03-01T00:00:00.000Z"  # 2024_01, 2024_02 were loaded
    assert load_spec(repo, "klaviyo").history.start == "2023-09-01T00:00:00.000000"


@pytest.mark.parametrize("value, message", [
    ("2026-11-01T00:00:00", "is not an ISO 8601 instant with an offset"),
    ("yesterday", "is not an ISO 8601 instant with an offset"),
    ("2999-01-01T00:00:00Z", "is in the future"),
])
def test_legacy_log_before_is_validated_as_an_instant(repo, value, message):
    spec = repo / "sources/klaviyo.yml"
    text = spec.read_text()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("legacy_log"))
    try:
        spec.write_text(text.replace("'2026-11-01T00:00:00Z'", f"'{value}'"))
        result = CliRunner().invoke(cli, ["generate", "--check", "--root", str(repo)])
        assert result.exit_code == 2
        assert f"sources/klaviyo.yml:{line}:20: error: legacy_log_before: " in result.output
        assert message in result.output
    finally:
        spec.write_text(text)
