"""One escaping function per target language, registered in the templates' environment
(issue 10): what a spec value becomes in YAML, Trino, BigQuery and a file name."""

from __future__ import annotations

import pytest
import sqlglot
import yaml

from generator.render.env import (
    bq_ident,
    comment,
    make_env,
    path_segment,
    sql_ident,
    sql_str,
    yaml_str,
)

HOSTILE = ["x' OR '1'='1", 'a"b', "a\nmode: replace", "a: b # c", "back\\slash", "tab\there",
           "line\u2028sep", "next\x85line", "${secret:other}", "` WHERE 1=1; DROP TABLE t; --",
           "ünïcödé", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_yaml_str_is_one_scalar_that_reads_back_as_the_value(value):
    loaded = yaml.safe_load(f"key: {yaml_str(value)}\nother: 1\n")
    assert loaded == {"key": value, "other": 1}


@pytest.mark.parametrize("value", [v for v in HOSTILE if "\n" not in v and "\t" not in v
                                   and "\x85" not in v])
def test_sql_str_is_one_trino_string_literal(value):
    tree = sqlglot.parse_one(f"SELECT {sql_str(value)} AS v FROM t WHERE 1 = 1", read="trino")
    literal = tree.expressions[0].this
    assert literal.is_string and literal.this == value
    assert tree.args["where"].sql() == "WHERE 1 = 1"  # nothing escaped into the query


@pytest.mark.parametrize("value", ['a"b', "x' OR '1'='1", "updated_at", "Upper Case"])
def test_sql_ident_is_one_trino_column(value):
    tree = sqlglot.parse_one(f"SELECT {sql_ident(value)} FROM t", read="trino")
    assert [c.name for c in tree.find_all(sqlglot.exp.Column)] == [value]


def test_bq_ident_quotes_a_dotted_table_and_refuses_what_it_cannot_quote():
    tree = sqlglot.parse_one(f"SELECT * FROM {bq_ident('sales.orders')}", read="bigquery")
    assert tree.find(sqlglot.exp.Table).sql("bigquery") == "`sales.orders`"
    for bad in ("a`b", "a\\b", "", "a\nb"):
        with pytest.raises(ValueError):
            bq_ident(bad)


@pytest.mark.parametrize("bad", ["../../victim/prod", "a/b", "a\\b", ".", "..", "", "a\x00b",
                                 "a\nb", "o" * 256])
def test_path_segment_refuses_what_would_leave_its_folder(bad):
    with pytest.raises(ValueError):
        path_segment(bad)


def test_path_segment_keeps_a_plain_name():
    assert path_segment("klaviyo_events_load.yml") == "klaviyo_events_load.yml"


def test_control_characters_are_refused_in_sql():
    for function in (sql_str, sql_ident):
        with pytest.raises(ValueError):
            function("a\x00b")


def test_comment_stays_on_one_line():
    assert comment("a\nmode: replace\r\n--x") == "a mode: replace --x"


def test_every_filter_is_registered(tmp_path):
    env = make_env(tmp_path)
    for name in ("yaml_str", "sql_str", "sql_ident", "bq_ident", "path_segment", "comment"):
        assert name in env.filters
    template = env.from_string("{{ v | sql_str }} {{ v | yaml_str }}")
    assert template.render(v="it's") == "'it''s' \"it's\""
