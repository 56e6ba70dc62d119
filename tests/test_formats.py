from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import ConfigError
from generator.timestamp_formats import load_formats, month_batches

REPO = Path(__file__).resolve().parent.parent
FORMATS = load_formats(REPO / "templates" / "timestamp_formats", REPO)


@pytest.mark.parametrize("name, text", [
    ("micros_no_zone", "2023-09-01T00:00:00.000000"),
    ("millis_z", "2023-09-01T00:00:00.000Z"),
    ("sql_server", "2023-09-01 00:00:00.000"),
    ("seconds_z", "2023-09-01T00:00:00Z"),
])
def test_the_design_examples_round_trip(name, text):
    fmt = FORMATS[name]
    assert fmt.format(fmt.parse(text)) == text
    assert fmt.parse(text) == datetime(2023, 9, 1, tzinfo=UTC)


def test_format_truncates_below_its_precision():
    instant = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    assert FORMATS["millis_z"].format(instant) == "2024-02-29T23:59:59.999Z"
    assert FORMATS["micros_no_zone"].format(instant) == "2024-02-29T23:59:59.999999"
    assert FORMATS["sql_server"].format(instant) == "2024-02-29 23:59:59.999"
    assert FORMATS["seconds_z"].format(instant) == "2024-02-29T23:59:59Z"


def test_parse_is_strict_about_the_shape():
    fmt = FORMATS["millis_z"]
    for bad in ("2025-01-30T00:49:04Z", "2025-01-30 00:49:04.000Z", "2025-1-30T00:49:04.000Z",
                "2025-01-30T00:49:04.000"):
        with pytest.raises(ValueError, match="not in format millis_z"):
            fmt.parse(bad)


def test_strings_sort_in_time_order():
    for fmt in FORMATS.values():
        instants = [datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=s * 7919.37)
                    for s in range(500)]
        texts = [fmt.format(t) for t in instants]
        assert texts == sorted(texts), fmt.name


def test_month_batches_share_their_boundaries_and_cover_the_range():
    start = datetime(2023, 11, 15, 12, tzinfo=UTC)
    end = datetime(2024, 3, 2, tzinfo=UTC)
    batches = month_batches(start, end)
    assert batches[0][0] == start and batches[-1][1] == end
    for (_, upper), (lower, _) in zip(batches, batches[1:]):
        assert upper == lower and upper.day == 1 and upper.hour == 0
    assert [b[0].month for b in batches] == [11, 12, 1, 2, 3]
    # the last second of February (a leap year) lies inside a batch, not between two
    last_second = datetime(2024, 2, 29, 23, 59, 59, 500000, tzinfo=UTC)
    assert sum(lo <= last_second < hi for lo, hi in batches) == 1


def test_a_format_file_with_a_wrong_example_is_rejected(tmp_path):
    (tmp_path / "bad.yml").write_text(
        "name: bad\ndescription: x\nexample: '2023-09-01'\npython: '%Y-%m-%dT%H'\n"
        "sql_render: x\nsql_parse: y\n")
    with pytest.raises(ConfigError, match=r"bad.yml:3:\d+: example '2023-09-01' does not match"):
        load_formats(tmp_path)
