"""Digdag's parameters, in one home for the checks and the local engine
(``reference/digdag-semantics.md`` B): how ``_export``, ``!include`` and store params merge,
what a task sees (its parent's exports, its own ``_export``, its ``_workdir``), and the keys
that control a task rather than reach its operator.
"""

from __future__ import annotations

import copy as _copy

# keys a group task may hold besides +tasks (Digdag rejects others; ``digdag/group-key``)
GROUP_KEYS = {"timezone", "schedule", "sla", "_parallel", "_background", "_after", "_error",
              "_check", "_retry", "_export", "_secrets"}
# keys that control a task: never passed to its operator as parameters
CONTROL_KEYS = GROUP_KEYS | {"_do", "_else_do", "_type"}
# store params a task replaces whole: each td> job's own results, never merged with the last
REPLACED_STORES = frozenset({"last_results"})


def merge(base: dict, update) -> dict:
    """``update`` merged into ``base`` as Digdag merges ``_export`` down the tree and an
    ``!include`` into its parent: nested mappings key by key, anything else replaced. A new
    mapping; the nested mappings it merges are new, other values are shared."""
    return _merge(base, update if isinstance(update, dict) else {}, False, frozenset())


def merge_copy(base: dict, update: dict) -> dict:
    """The same with every value copied, as the local engine merges exports and store params
    (what a task sets for the tasks after it), so no task changes another's; and
    ``last_results``, a store param, is replaced whole."""
    return _merge(base, update, True, REPLACED_STORES)


def _merge(base: dict, update: dict, copy: bool, whole: frozenset) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict) and key not in whole:
            out[key] = _merge(out[key], value, copy, whole)
        else:
            out[key] = json_copy(value) if copy else value
    return out


_ATOMS = (str, int, float, bool, type(None))


def json_copy(value):
    """A deep copy of ``value``: ``copy.deepcopy``'s result for the JSON-like trees that
    parameters are (plain dicts and lists of strings, numbers, booleans and null) at a
    third of its cost; anything else in the tree goes to ``copy.deepcopy``. Unlike
    ``deepcopy`` it does not preserve aliasing inside the value (a list present twice
    becomes two lists), as Digdag's parameters, which are JSON, never alias."""
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if kind is list:
        return [json_copy(v) for v in value]
    if kind in _ATOMS:
        return value
    return _copy.deepcopy(value)


def scoped(exports: dict, workdir: str, config: dict | None, merged=merge) -> tuple[dict, str]:
    """What a task sees: its parent's ``exports`` with its own ``_export`` merged in, and its
    ``_workdir`` (the parent's unless its exports set one)."""
    export = (config or {}).get("_export")
    inner = merged(exports, export if isinstance(export, dict) else {})
    return inner, str(inner.get("_workdir", workdir) or "")
