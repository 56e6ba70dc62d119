"""Negative cases of the `timestamp` check: each rule fails on a format or template that
breaks it, at the right file and key."""

from __future__ import annotations

import pytest

from generator.checks.timestamps import check_repository
from generator.render.generate import generate
from generator.render.writer import apply, changed

FORMAT = "templates/timestamp_formats/millis_z.yml"


def rules(root):
    return {(f.path, f.rule) for f in check_repository(root)}


def test_the_repository_keeps_every_contract(project):
    assert check_repository(project) == []


@pytest.mark.parametrize("edits,rule", [
    # day first: every string parses back, but 01/01/2024 sorts before 31/12/2023
    ([('python: "%Y-%m-%dT%H:%M:%S.%3fZ"', 'python: "%d/%m/%YT%H:%M:%S.%3fZ"'),
      ('example: "2023-09-01T00:00:00.000Z"', 'example: "01/09/2023T00:00:00.000Z"')],
     "timestamp/order"),
    ([("'yyyy-MM-dd''T''HH:mm:ss.SSS''Z'''", "'yyyy-MM-dd''T''HH:mm:ss''Z'''")],
     "timestamp/sql"),
    ([('sql_parse: "from_iso8601_timestamp({value})"',
       'sql_parse: "from_iso8601_timestamp({value}) + INTERVAL \'1\' HOUR"')], "timestamp/sql"),
])
def test_a_broken_format_is_reported_at_its_file(project, edits, rule):
    path = project / FORMAT
    text = path.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    assert (FORMAT, rule) in rules(project)


def test_a_round_trip_that_loses_the_time_is_reported(project):
    path = project / FORMAT
    path.write_text(path.read_text().replace('python: "%Y-%m-%dT%H:%M:%S.%3fZ"',
                                             'python: "%Y-%m-%dT00:%M:%S.%3fZ"'))
    found = rules(project)
    assert (FORMAT, "timestamp/round-trip") in found or (FORMAT, "timestamp/file") in found


def test_broken_micro_arithmetic_is_reported(project):
    path = project / "templates/timestamp_formats/micros_no_zone.yml"
    text = path.read_text()
    path.write_text(text.replace("CAST(substr({value}, 21, 6) AS bigint)",
                                 "CAST(substr({value}, 21, 3) AS bigint) * 1000"))
    assert ("templates/timestamp_formats/micros_no_zone.yml", "timestamp/micros") in \
        rules(project)


def test_a_fallback_that_would_reload_the_maximum_is_reported(project):
    template = project / "templates/sql/window_from_table.sql.j2"
    text = template.read_text()
    assert ' THEN " ~ micros ~ " END) + " ~ step' in text
    template.write_text(text.replace(' THEN " ~ micros ~ " END) + " ~ step',
                                     ' THEN " ~ micros ~ " END) + 0"'))
    _, statuses = generate(project, force=True)
    apply(project, changed(statuses))
    found = check_repository(project)
    bad = {f.path for f in found if f.rule == "timestamp/fallback"}
    assert {"sources/klaviyo.yml", "sources/google_bigquery.yml"} <= bad
    message = next(f.message for f in found if f.path == "sources/klaviyo.yml")
    assert "expected '2026-03-04T05:06:07.654322'" in message  # microseconds kept
