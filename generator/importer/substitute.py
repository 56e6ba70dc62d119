"""Legacy load configs after Digdag's substitution of what the legacy project knows.

``${datasource.X}`` takes the entry's value, ``${td_authentication_ids.C.default}`` and
``${databases.X}`` the values of ``config/database.yml``; the window (``${td.last_results.*}``)
and ``${secret:...}`` stay as written, since the generated project computes or keeps them.
"""

from __future__ import annotations

import re
from typing import Any

_VAR = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")
SECRET = re.compile(r"^\$\{secret:([^}]+)\}$")


def substitute(value: Any, context: dict) -> Any:
    """``value`` with every variable of ``context`` replaced; a whole-value variable keeps its
    type (``${datasource.mode}`` stays a string, an id an integer)."""
    if isinstance(value, dict):
        return {k: substitute(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, context) for v in value]
    if not isinstance(value, str):
        return value
    whole = _VAR.fullmatch(value.strip())
    if whole and _lookup(context, whole[1]) is not None:
        return _lookup(context, whole[1])
    return _VAR.sub(lambda m: _text(_lookup(context, m[1]), m[0]), value)


def _lookup(context: dict, dotted: str) -> Any:
    node: Any = context
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _text(value: Any, original: str) -> str:
    return original if value is None else str(value)


def secret_key(value: Any) -> str | None:
    """The key of a ``${secret:KEY}`` value, else None."""
    match = SECRET.match(value.strip()) if isinstance(value, str) else None
    return match[1].strip() if match else None
