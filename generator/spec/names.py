"""Names are identifiers: the grammar of each kind of name a spec gives, and where secrets go.

A name in a spec reaches a file path (``workflows/config/<source>_<object>_load.yml``), a
load config (YAML), SQL (Trino, BigQuery, JDBC queries) and TD itself, so each kind has a
stated grammar, checked at the spec's ``file:line:column`` before anything is rendered:

- source: ``[a-z][a-z0-9_]*``, at most 60 characters (the schema checks it);
- object (the connector's object, a BigQuery table, ...): letters, digits, ``_``, ``-`` and
  ``.``, starting with a letter, digit or ``_``, at most 128 bytes (it is part of a file name,
  whose limit is 255 bytes);
- table (TD): ``[a-z0-9_]{3,128}`` (TD's rule), the historical ``<table>_hist`` too;
- table field (a TD column): ``[a-z0-9_]{1,128}``;
- connector field: identifiers ``[A-Za-z_][A-Za-z0-9_]*`` joined by ``.``, at most 128;
- a param whose value a template writes into SQL as a name (``dataset``, in BigQuery's
  query): as a connector field;
- secret key: Digdag's rule (``SecretValidation``): segments joined by ``.``, each a letter,
  or a letter, then letters, digits, ``_`` or ``-``, ending with a letter or digit; at most
  255 bytes.

``${secret:...}`` is substituted by Digdag wherever it appears in a load config, so it may
appear only as a value of a ``secrets:`` mapping (written there as a bare key); anywhere else
in a spec (params, parser columns, names, descriptions) it would send a secret somewhere it
does not belong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..findings import Finding
from ..yamlpos import Located

RULE = "spec"

_SEGMENT = r"[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
GRAMMARS: dict[str, tuple[re.Pattern, int, str]] = {
    "object": (re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*"), 128,
               "letters, digits, _ - and ., starting with a letter, digit or _; at most 128 "
               "bytes"),
    "table": (re.compile(r"[a-z0-9_]{3,128}"), 128,
              "a TD name: 3-128 lowercase letters, digits and underscores"),
    "table field": (re.compile(r"[a-z0-9_]+"), 128,
                    "a TD column: lowercase letters, digits and underscores; at most 128"),
    "connector field": (re.compile(rf"{_WORD}(?:\.{_WORD})*"), 128,
                        "identifiers (letters, digits, _) joined by .; at most 128"),
    "secret key": (re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*"), 255,
                   "Digdag's secret key rule: segments joined by ., each a letter or a letter "
                   "then letters, digits, _ or - ending with a letter or digit; at most 255 "
                   "bytes"),
}
SECRET_REFERENCE = re.compile(r"\$\{\s*secret\s*:")
# connector params whose value a template writes into SQL as a name (BigQuery's query)
SQL_NAME_PARAMS = {"dataset": "connector field"}


def is_valid(kind: str, name: object) -> bool:
    """True if ``name`` follows the grammar of ``kind`` (a key of ``GRAMMARS``)."""
    pattern, limit, _ = GRAMMARS[kind]
    return (isinstance(name, str) and pattern.fullmatch(name) is not None
            and len(name.encode("utf-8")) <= limit)


def name_problem(kind: str, name: object) -> str | None:
    """What is wrong with ``name`` as a ``kind``, or None."""
    if is_valid(kind, name):
        return None
    return f"{name!r} is not a valid {kind} name ({GRAMMARS[kind][2]})"


def check_names(located: Located) -> Iterator[Finding]:
    """Every name of a spec (already schema-valid) against its grammar, and secret placement."""
    data = located.data
    for i, obj in enumerate(data.get("objects") or []):
        yield from _object_names(located, ("objects", i), obj)
    yield from _sql_name_params(located, data)
    for base, secrets in _secret_mappings(data):
        for param, key in secrets.items():
            problem = name_problem("secret key", key)
            if problem:
                yield located.finding(base + (param,), RULE, f"secrets: {problem}")
    yield from _secret_references(located, (), data)


def _object_names(located: Located, path: tuple, obj: dict) -> Iterator[Finding]:
    checks = [(path + ("name",), "object"), (path + ("table",), "table")]
    for scope in (path + ("incremental",), path + ("history",)):
        checks += [(scope + ("table_field",), "table field"),
                   (scope + ("connector_field",), "connector field")]
    for at, kind in checks:
        value = _get(obj, at[len(path):])
        problem = None if value is None else name_problem(kind, value)
        if problem:
            yield located.finding(at, RULE, f"{'/'.join(map(str, at))}: {problem}")
    history = obj.get("history")
    table = history.get("table") if isinstance(history, dict) else None
    if table is None and history is not False and not is_valid("table", f"{obj['table']}_hist"):
        yield located.finding(path + ("table",), RULE, f"{'/'.join(map(str, path))}: the "
                              f"historical table '{obj['table']}_hist' is over 128 characters; "
                              "set history: {table: ...} or history: false")


def _sql_name_params(located: Located, data: dict) -> Iterator[Finding]:
    scopes = [(("params",), data.get("params") or {})]
    scopes += [(("objects", i, "params"), o.get("params") or {})
               for i, o in enumerate(data.get("objects") or [])]
    for base, params in scopes:
        for name, kind in SQL_NAME_PARAMS.items():
            value = params.get(name)
            problem = None if value is None else name_problem(kind, value)
            if problem:
                yield located.finding(base + (name,), RULE, f"{'/'.join(map(str, base))}/"
                                      f"{name}: {problem}")


def _get(data, keys: tuple):
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _secret_mappings(data: dict):
    yield ("secrets",), data.get("secrets") or {}
    for i, obj in enumerate(data.get("objects") or []):
        yield ("objects", i, "secrets"), obj.get("secrets") or {}


def _secret_references(located: Located, path: tuple, value) -> Iterator[Finding]:
    """``${secret:...}`` anywhere but as a value of a secrets mapping (checked as a key)."""
    stack = [(path, value)]
    while stack:
        at, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and SECRET_REFERENCE.search(key):
                    yield _misplaced(located, at + (key,), key=True)
                if not (at and at[-1] == "secrets" and _is_secrets_scope(at)):
                    stack.append((at + (key,), child))
        elif isinstance(item, list):
            stack.extend((at + (i,), child) for i, child in enumerate(item))
        elif isinstance(item, str) and SECRET_REFERENCE.search(item):
            yield _misplaced(located, at)


def _is_secrets_scope(at: tuple) -> bool:
    return at == ("secrets",) or (len(at) == 3 and at[0] == "objects")


def _misplaced(located: Located, at: tuple, key: bool = False) -> Finding:
    name = "/".join(map(str, at))
    return located.finding(at, RULE, f"{name}: ${{secret:...}} is allowed only through a "
                           "secrets: mapping (param: <secret key>); a secret anywhere else "
                           "would reach a connector or a column it does not belong to",
                           key=key)


# ids people write where a TD Authentication's id belongs (the spec, database.yml, a legacy
# project): the spec check, the references check and the importer all refuse them
PLACEHOLDER_IDS = {0, 1, 12, 123, 1234, 12345, 123456, 1234567, 99999}


def is_placeholder_id(value: int) -> bool:
    """An authentication id that is a placeholder, not the number of a TD Authentication."""
    digits = str(value)
    return value in PLACEHOLDER_IDS or value < 100 or len(set(digits)) == 1
