"""YAML input is bounded (issue 10), and what specs and workflows legitimately use still loads."""

from __future__ import annotations

import pytest

from generator.errors import ConfigError
from generator.yamlbounds import MAX_BYTES
from generator.yamlpos import load


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as error:
        load(text, "s.yml")
    return str(error.value)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    message = refused("a: '" + "x" * MAX_BYTES + "'\n")
    assert message.startswith("s.yml:1:1: error: YAML input refused: the file is over 2 MiB")


def test_a_recursive_alias_is_refused():
    assert "recursive alias" in refused("a: &a [*a]\n")


def test_tags_outside_the_core_schema_are_refused_with_their_position():
    assert refused("a:\n  b: !!binary aGk=\n").startswith("s.yml:2:6:")
    assert "!!timestamp" in refused("a: !!timestamp 2024-01-01\n")
    assert "!!set" in refused("a: !!set {x}\n")


def test_anchors_merges_and_explicit_core_tags_still_load():
    text = ("base: &base {mode: append, retry: 2}\nobject:\n  <<: *base\n  lag: 1h\n"
            "n: !!int 7\nf: !!float 1\ns: !!str 5\nlist: [*base, *base]\n")
    data = load(text, "s.yml").data
    assert data["object"] == {"mode": "append", "retry": 2, "lag": "1h"}
    assert (data["n"], data["f"], data["s"]) == (7, 1.0, "5")
    assert data["list"] == [{"mode": "append", "retry": 2}] * 2


def test_nesting_up_to_the_limit_loads():
    depth = 60
    text = "a: " + "[" * depth + "]" * depth + "\n"
    assert load(text, "s.yml").data["a"] is not None
