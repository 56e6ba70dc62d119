"""Walk a workflow's task tree as Digdag compiles it, with the scope each task sees.

Every task (``+name``, the blocks of ``if>``/loops, ``_error`` and ``_check``) is visited once
with the exports it inherits (``_export`` merged from the root down, includes applied), the loop
variables defined around it, its ``_workdir``, whether it runs inside an ``_error`` subtree and
whether its parent runs children in parallel. The checks read tasks through this walker; the
local engine runs them itself, but derives what each task sees with the same functions
(``params.py``: ``scoped``, the merges, the control keys).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .params import scoped
from .reader import DigFile


@dataclass
class Scope:
    exports: dict = field(default_factory=dict)
    loops: dict = field(default_factory=dict)  # loop variable -> its list, or None if unknown
    workdir: str = ""
    in_error: bool = False
    secrets: set = field(default_factory=set)  # names granted with _secrets

    def child(self, config: dict | None = None, **changes) -> Scope:
        exports, workdir = scoped(self.exports, self.workdir, config)
        secrets = set(self.secrets)
        if config and isinstance(config.get("_secrets"), dict):
            secrets |= set(config["_secrets"])
        values = {"exports": exports, "loops": dict(self.loops), "workdir": workdir,
                  "in_error": self.in_error, "secrets": secrets}
        values.update(changes)
        return Scope(**values)


@dataclass
class Task:
    path: tuple  # key path inside the workflow file's data
    config: dict
    scope: Scope  # what the task sees, its own _export included
    kind: str  # "task" (a +name), "block" (_do/_else_do), "error", "check"
    parent_parallel: object = None  # the parent group's _parallel value (None: sequential)
    siblings_before: tuple = ()  # names of earlier sibling tasks

    @property
    def name(self) -> str:
        return str(self.path[-1]) if self.path else "(workflow)"

    @property
    def operators(self) -> list[str]:
        ops = [k for k in self.config if isinstance(k, str) and k.endswith(">")]
        return ops + (["_type"] if "_type" in self.config else [])

    @property
    def operator(self) -> str | None:
        ops = self.operators
        return ops[0] if ops else None

    @property
    def children(self) -> list[str]:
        return [k for k in self.config if isinstance(k, str) and k.startswith(("+", "^"))]


def walk(dig: DigFile) -> Iterator[Task]:
    """Every task of the workflow, depth first in definition order; the root first."""
    data = dig.data if isinstance(dig.data, dict) else {}
    root = Task((), data, Scope().child(data), "root")
    yield root
    yield from _below(root)


def _below(task: Task) -> Iterator[Task]:
    config, scope = task.config, task.scope
    op = task.operator
    if op is not None:
        inner = scope.child()
        if op == "for_each>" and isinstance(config.get(op), dict):
            for var, values in config[op].items():
                inner.loops[str(var)] = resolve_list(values, scope)
        elif op == "loop>":
            inner.loops["i"] = None
        elif op == "for_range>":
            inner.loops["range"] = None
        elif op == "td_for_each>":
            inner.loops["td"] = None
        for block in ("_do", "_else_do"):
            if isinstance(config.get(block), dict):
                branch = inner.child()
                if op == "if>":
                    branch.loops.update(_narrowed(config[op], inner.loops, block == "_do"))
                sub = Task(task.path + (block,), config[block],
                           branch.child(config[block]), "block")
                yield sub
                yield from _below(sub)
    else:
        before: list[str] = []
        for key in task.children:
            value = config[key]
            child_config = value if isinstance(value, dict) else {}
            child = Task(task.path + (key,), child_config, scope.child(child_config), "task",
                         config.get("_parallel"), tuple(before))
            if not isinstance(value, dict):
                child.config = value  # checks report it
                yield child
                before.append(key)
                continue
            yield child
            yield from _below(child)
            before.append(key)
    for special, kind in (("_error", "error"), ("_check", "check")):
        block = config.get(special) if isinstance(config, dict) else None
        if isinstance(block, dict):
            sub_scope = scope.child(block, in_error=scope.in_error or special == "_error")
            sub = Task(task.path + (special,), block, sub_scope, kind)
            yield sub
            yield from _below(sub)


def _narrowed(condition, loops: dict, truthy: bool) -> dict:
    """``if>: ${item.flag}`` inside a loop: the entries each branch runs for."""
    import re

    if not isinstance(condition, str):
        return {}
    match = re.fullmatch(r"\$\{\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\}", condition.strip())
    if not match or not isinstance(loops.get(match.group(1)), list):
        return {}
    var, attr = match.groups()
    kept = [e for e in loops[var] if isinstance(e, dict)
            and (e.get(attr) in (True, "true")) == truthy]
    return {var: kept}


def resolve_list(values, scope: Scope):
    """The list a ``for_each>`` variable iterates, when it is known statically."""
    import json
    import re

    if isinstance(values, list):
        return values
    if isinstance(values, str):
        match = re.fullmatch(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}", values.strip())
        if match:
            found = scope.exports.get(match.group(1))
            return found if isinstance(found, list) else None
        if "${" not in values:
            try:
                parsed = json.loads(values)
            except ValueError:
                return None
            return parsed if isinstance(parsed, list) else None
    return None
