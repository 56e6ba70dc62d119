"""The one Jinja environment: strict, no autoescape, every filter registered here."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import jinja2
import yaml

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def duration_seconds(text: str) -> int:
    """``1h30m`` -> 5400."""
    return sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def yaml_str(value) -> str:
    """A YAML-safe double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def yaml_value(value) -> str:
    """A YAML flow value: booleans as true/false, numbers as is, strings quoted."""
    return json.dumps(value, ensure_ascii=False)


def to_yaml(value, indent: int = 0) -> str:
    """A mapping as block YAML, indented; no trailing newline."""
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True,
                          width=1000)
    pad = " " * indent
    return "\n".join(pad + line for line in text.rstrip("\n").splitlines())


def parallel(value) -> str:
    """The ``_parallel`` value: ``true`` or ``{limit: N}``."""
    if value is True:
        return "true"
    return f"{{limit: {int(value)}}}"


def step_unit(fmt) -> str:
    """The Trino ``date_add`` unit of one step of a timestamp format."""
    if fmt.precision >= timedelta(seconds=1):
        return "second"
    if fmt.precision >= timedelta(milliseconds=1):
        return "millisecond"
    raise ValueError(f"format {fmt.name} has sub-millisecond precision; Trino cannot step "
                     "one unit back for a connector with an inclusive end")


def make_env(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(yaml_str=yaml_str, yaml_value=yaml_value, to_yaml=to_yaml,
                       parallel=parallel, seconds=duration_seconds, step_unit=step_unit)
    return env
