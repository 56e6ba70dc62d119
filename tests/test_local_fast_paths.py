"""The local engine's faster paths give what the slower ones gave: libyaml for td_load
configs, the JSON-tree copy of parameters, built-in variables kept per session, and the
brace-to-brace scan of ``${...}``."""

from __future__ import annotations

import copy
import random
import re
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import yaml

from generator.digdag.params import json_copy
from generator.digdag.template import expressions
from generator.local.clock import session_variables
from generator.yamlpos import safe_load as _load_yaml

ROOT = Path(__file__).resolve().parent.parent


def _yaml_files() -> list[Path]:
    return sorted([*(ROOT / "workflows").rglob("*.yml"), *(ROOT / "templates").rglob("*.yml"),
                   *(ROOT / "sources").glob("*.yml")])


def test_every_yaml_file_loads_the_same_with_or_without_libyaml():
    files = _yaml_files()
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            expected = yaml.safe_load(text)
        except yaml.YAMLError:
            continue  # templates with Jinja: the error case is tested below
        assert _load_yaml(text) == expected, path


@pytest.mark.parametrize("text", [
    "in:\n  type: x\n   bad: indent\n", "a: [1, 2\n", "a: 'open\n", "- a\nb: c\n",
    "a: b: c\n", "\tkey: value\n", "a: 1\na: *anchor\n"])
def test_a_yaml_error_reads_as_the_pure_loader_writes_it(text):
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as fast:
        _load_yaml(text)
    assert str(fast.value) == str(pure.value)


def test_values_libyaml_builds_are_those_of_the_pure_loader():
    text = ("a: 2026-11-01T00:00:00Z\nb: 2026-11-01\nc: 0x1f\nd: 1_000\ne: .inf\nf: ~\n"
            "g: yes\nh: '012'\ni: !!str 12\nj: [1, {k: v}]\nk: |\n  two\n  lines\n"
            "l: 1.5e3\nm: -0\nn: 0o17\n")
    assert _load_yaml(text) == yaml.safe_load(text)


def test_json_copy_equals_deepcopy_and_shares_no_container():
    value = {"a": [1, 2.5, True, None, "s", {"b": [[], {}]}], "c": {"d": {"e": "f"}},
             "when": datetime(2026, 11, 1, tzinfo=UTC), "day": date(2026, 11, 1),
             "t": (1, [2]), "n": 2**70}
    copied = json_copy(value)
    assert copied == copy.deepcopy(value)
    assert copied["a"] is not value["a"] and copied["a"][5] is not value["a"][5]
    assert copied["c"]["d"] is not value["c"]["d"]
    assert copied["t"][1] is not value["t"][1]  # not JSON: copied by deepcopy
    copied["a"][5]["b"][0].append(1)
    assert value["a"][5]["b"][0] == []


def _session(moment: datetime) -> SimpleNamespace:
    return SimpleNamespace(time=moment, session_id=3, attempt_id=4, scheduled=True,
                           last_time=None, next_time=None)


def test_built_in_variables_are_a_new_dict_each_time():
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    first = session_variables(_session(moment), "UTC")
    first["task_name"] = "+x"
    assert "task_name" not in session_variables(_session(moment), "UTC")


def test_the_two_instants_of_a_repeated_hour_keep_their_own_variables():
    zone = ZoneInfo("Europe/Berlin")
    early = datetime(2026, 10, 25, 2, 30, tzinfo=zone, fold=0)
    late = datetime(2026, 10, 25, 2, 30, tzinfo=zone, fold=1)
    assert early == late  # aware times of one zone compare by wall clock
    values = [session_variables(_session(m), "Europe/Berlin") for m in (early, late)]
    assert values[0]["session_time"] == "2026-10-25T02:30:00+02:00"
    assert values[1]["session_time"] == "2026-10-25T02:30:00+01:00"
    assert values[0]["session_unixtime"] + 3600 == values[1]["session_unixtime"]


_COMMAND = re.compile(r"\$\{[a-z]+:")


def _expressions_by_character(text: str):
    """The scan before it went brace to brace: one character at a time."""
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return
        if _COMMAND.match(text, start):
            i = start + 2
            continue
        depth, j = 1, start + 2
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        if depth:
            return
        yield start, j, text[start + 2:j - 1]
        i = j


def test_expressions_are_found_as_the_character_scan_found_them():
    rng = random.Random(14)
    for _ in range(20000):
        text = "".join(rng.choice("${}ab:$ x") for _ in range(rng.randint(0, 24)))
        assert list(expressions(text)) == list(_expressions_by_character(text)), text
    for path in (ROOT / "workflows").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert list(expressions(text)) == list(_expressions_by_character(text)), path
