"""Turn pydantic validation errors into findings at ``file:line:column``."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError

from ..findings import Finding
from ..yamlpos import Located

RULE = "spec-schema"

_TYPES = {
    "string_type": "a string", "int_type": "an integer", "bool_type": "true or false",
    "dict_type": "a mapping", "list_type": "a list", "model_type": "a mapping",
    "int_from_float": "an integer", "float_type": "a number", "is_instance_of": "a mapping",
}


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names allowed in the mapping at ``loc`` (for "did you mean")."""
    current: type | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _model_of(field.annotation) if field else None
    return list(current.model_fields) if current else []


def _model_of(annotation) -> type[BaseModel] | None:
    import typing

    candidates = [annotation, *typing.get_args(annotation)]
    for cand in candidates:
        for inner in [cand, *typing.get_args(cand)]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _describe(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def schema_findings(exc: ValidationError, located: Located, model: type[BaseModel]
                    ) -> list[Finding]:
    """One finding per location, the expectations of union members merged; a union member's
    "expected true or false" is dropped when another member reports inside the value."""
    by_loc: dict[tuple, list[dict]] = {}
    for err in exc.errors():
        loc = data_path(err["loc"], located.data, err["type"] in ("extra_forbidden", "missing"))
        by_loc.setdefault(loc, []).append(err)
    deeper = {loc[:n] for loc in by_loc for n in range(len(loc))}
    findings = [_one(loc, errs, located, model) for loc, errs in by_loc.items()
                if not (loc in deeper and all(e["type"] in _TYPES for e in errs))]
    return sorted(set(findings))


def data_path(loc: tuple, data, extra: bool = False) -> tuple:
    """``loc`` without the union members pydantic inserts (``int``, ``ObjectHistory``, ...):
    the parts that are keys and indexes of ``data``, so a key named ``str`` or ``a[0]`` stays.
    The last part of an unknown or missing key's location is always that key."""
    path: list = []
    for i, part in enumerate(loc):
        last = extra and i == len(loc) - 1
        if last or (isinstance(data, dict) and part in data):
            data = data.get(part) if isinstance(data, dict) else None
            path.append(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
            path.append(part)
    return tuple(path)


def _one(loc: tuple, errs: list[dict], located: Located, model) -> Finding:
    name = "/".join(str(p) for p in loc) or "(top level)"
    kinds = {e["type"] for e in errs}
    if "extra_forbidden" in kinds:
        key = loc[-1]
        hint = did_you_mean(key, _fields_at(model, loc[:-1]))
        msg = f"{'/'.join(map(str, loc[:-1])) or 'top level'}: unknown key '{key}'{hint}"
        return located.finding(loc, RULE, msg, key=True)
    if "missing" in kinds:
        parent = "/".join(map(str, loc[:-1])) or "top level"
        return located.finding(loc[:-1], RULE,
                               f"{parent}: missing required field '{loc[-1]}'")
    value = errs[0].get("input")
    expected = []
    for e in errs:
        if e["type"] in _TYPES:
            expected.append(_TYPES[e["type"]])
        elif e["type"] == "literal_error":
            expected.append("one of " + e["ctx"]["expected"])
        elif e["type"] == "string_pattern_mismatch":
            expected.append(_pattern_hint(loc))
        else:
            expected.append(e["msg"][0].lower() + e["msg"][1:])
    expected = list(dict.fromkeys(expected))
    hint = ""
    if any(e["type"] == "literal_error" for e in errs):
        choices = [c.strip(" '") for e in errs if e["type"] == "literal_error"
                   for c in e["ctx"]["expected"].replace(" or ", ",").split(",")]
        hint = did_you_mean(value, choices)
    msg = f"{name}: expected {' or '.join(expected)}, got {_describe(value)}{hint}"
    return located.finding(loc, RULE, msg)


def _pattern_hint(loc: tuple) -> str:
    last = loc[-1] if loc else ""
    if last in ("table",) or (len(loc) > 1 and loc[-2] == "databases"):
        return "a TD name: 3-128 lowercase letters, digits and underscores"
    if last in ("lag", "lookback"):
        return "a duration such as 30m, 1h or 2d"
    if last == "source":
        return "a name of lowercase letters, digits and underscores, starting with a letter"
    return "a value of the documented form"
