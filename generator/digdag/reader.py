"""Load ``.dig`` files as Digdag loads them.

Digdag parses with SnakeYAML's strict constructor: duplicate keys are errors, the only local
tag is ``!include`` (key form only: ``!include : 'path'``, resolved against the including
file's folder and never leaving it), and plain scalars resolve differently from YAML 1.1:
only ``true/True/false/False`` are booleans, dates and ``10:00:00`` stay strings, and a float
may not start with ``0`` (``0.5`` is a string). Every value keeps the file, line and column it
came from, so findings point into the file that holds the mistake, included ones too.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..findings import ERROR, Finding
from ..yamlpos import compose, describe
from .params import merge

RULE = "digdag-load"


class _DigdagLoader(yaml.SafeLoader):
    """SafeLoader with Digdag's resolution of plain scalars (YamlTagResolver.java)."""


_DigdagLoader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|false|False)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?0[0-7]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:[1-9][0-9_]*)?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[1-9][0-9_]*(?:\.[0-9_]*)?"
     r"[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _DigdagLoader.add_implicit_resolver(_tag, re.compile(_rx), list(_first))

if getattr(yaml, "__with_libyaml__", False):
    class _CDigdagLoader(yaml.CSafeLoader):
        """The same resolution on libyaml's parser (several times faster)."""

    _CDigdagLoader.yaml_implicit_resolvers = _DigdagLoader.yaml_implicit_resolvers
else:  # pragma: no cover - PyYAML built without libyaml
    _CDigdagLoader = None


Pos = tuple[str, int, int]


@dataclass
class DigFile:
    """A loaded ``.dig`` (or included YAML): data, and where each value and key came from."""

    path: str  # relative to the project root
    data: Any
    values: dict[tuple, Pos] = field(default_factory=dict)
    keys: dict[tuple, Pos] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)
    reads: ReadCache | None = field(default=None, repr=False, compare=False)

    def where(self, path: tuple, key: bool = False) -> Pos:
        path = tuple(path)
        while path:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (self.path, 1, 1))

    def finding(self, path: tuple, rule: str, message: str, level: str = ERROR,
                key: bool = False) -> Finding:
        file, line, col = self.where(path, key)
        return Finding(file, line, col, rule, level, message)


class DigLoadError(Exception):
    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


class ReadCache:
    """Files parsed while loading several workflows of one project, each parsed once.

    Every workflow of a generated project includes ``config/database.yml``, which grows with
    the number of sources: parsing it again for each workflow made loading a project
    quadratic. Use one cache for one pass over a project whose files do not change meanwhile.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Any] = {}  # file -> its composed YAML node
        # (file, path it is included at) -> (data, values, keys, includes) of a successful load
        self.built: dict[tuple, tuple] = {}


def load_dig(root: Path, rel: str, reads: ReadCache | None = None) -> DigFile:
    """Load ``rel`` (relative to ``root``) with its includes; ``DigLoadError`` on failure.

    With ``reads``, an included file already loaded at the same place is not parsed again;
    the data it gives is then shared between workflows, so treat it as read-only.
    """
    out = DigFile(rel, None, reads=reads)
    out.data = _load_into(root, rel, (), out, stack=(rel,))
    return out


def _compose(root: Path, rel: str, at: Pos | None, reads: ReadCache | None = None):
    if reads is not None and rel in reads.nodes:
        return reads.nodes[rel]
    node = _parse(root, rel, at)
    if reads is not None:
        reads.nodes[rel] = node
    return node


def _parse(root: Path, rel: str, at: Pos | None):
    try:
        text = (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        # the finding names the file; an include names it in the message, at the including line
        message = f"cannot read {rel}: {why}" if at else f"cannot read: {why}"
        raise DigLoadError(Finding(*(at or (rel, 1, 1)), RULE, ERROR, message)) from None
    try:
        return compose(text, _DigdagLoader, _CDigdagLoader)[0]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise DigLoadError(Finding(rel, line, col, RULE, ERROR, describe(exc))) from None


def _load_into(root: Path, rel: str, path: tuple, out: DigFile, stack: tuple, at=None):
    node = _compose(root, rel, at, out.reads)
    if node is None:
        return None
    return _build(node, rel, path, out, root, stack)


def _pos(rel: str, node) -> Pos:
    return rel, node.start_mark.line + 1, node.start_mark.column + 1


_CONSTRUCTOR = threading.local()


def _construct_scalar(node):
    if node.tag == "tag:yaml.org,2002:str" and isinstance(node, yaml.ScalarNode):
        return node.value  # what the constructor gives for a string, without its overhead
    constructor = getattr(_CONSTRUCTOR, "loader", None)
    if constructor is None:  # one per thread: creating a loader per scalar was slow
        constructor = _CONSTRUCTOR.loader = _DigdagLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.constructed_objects.clear()
        constructor.recursive_objects.clear()


def _build(node, rel: str, path: tuple, out: DigFile, root: Path, stack: tuple):
    out.values.setdefault(path, _pos(rel, node))
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, rel, path, out, root, stack)
    if node.tag not in _STANDARD and node.tag.startswith("!"):
        raise DigLoadError(Finding(*_pos(rel, node), RULE, ERROR,
                                   f"could not determine a constructor for the tag "
                                   f"'{node.tag}' (Digdag knows only !include, as a key)"))
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, rel, path + (i,), out, root, stack)
                for i, item in enumerate(node.value)]
    try:
        return _construct_scalar(node)
    except (yaml.YAMLError, ValueError) as exc:  # ``!!merge x``: tags no constructor knows
        raise DigLoadError(Finding(*_pos(rel, node), RULE, ERROR,
                                   f"cannot read this value: {exc}".splitlines()[0])) from None


_STANDARD = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
             "tag:yaml.org,2002:float", "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq",
             "tag:yaml.org,2002:map"}


def _build_mapping(node, rel, path, out, root, stack) -> dict:
    result: dict = {}
    seen: set = set()
    for key_node, value_node in node.value:
        if key_node.tag == "!include":
            included = _include(value_node, rel, path, out, root, stack)
            if isinstance(included, dict):
                result = merge(result, included)
            continue
        if isinstance(key_node, (yaml.MappingNode, yaml.SequenceNode)):
            raise DigLoadError(Finding(*_pos(rel, key_node), RULE, ERROR,
                                       "a mapping key must be a scalar"))
        key = _construct_scalar(key_node)
        key = "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
        if key in seen:
            raise DigLoadError(Finding(*_pos(rel, key_node), RULE, ERROR,
                                       f"Duplicated keys: [{key}]"))
        seen.add(key)
        out.keys[path + (key,)] = _pos(rel, key_node)
        if value_node.tag == "!include":
            raise DigLoadError(Finding(*_pos(rel, value_node), RULE, ERROR,
                                       "!include works only as a key: write `!include : "
                                       f"'{value_node.value}'` (the value form loses the path)"))
        result[key] = _build(value_node, rel, path + (key,), out, root, stack)
    return result


def _include(value_node, rel, path, out, root, stack):
    where = _pos(rel, value_node)
    target = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
    if not target:
        raise DigLoadError(Finding(*where, RULE, ERROR, "!include needs a file path"))
    base = PurePosixPath(rel).parent
    parts = _normalise((base / target).parts)
    if parts[:len(base.parts)] != list(base.parts) or (parts and parts[0] == ".."):
        # Digdag resolves against the including file's folder and refuses to leave it.
        raise DigLoadError(Finding(*where, RULE, ERROR,
                                   f"File name must not include ..: {target}"))
    joined = PurePosixPath(*parts)
    inc = joined.as_posix()
    if inc in stack:
        raise DigLoadError(Finding(*where, RULE, ERROR, f"!include cycle through {inc}"))
    if not (root / inc).is_file():
        raise DigLoadError(Finding(*where, RULE, ERROR, f"!include: file {inc} does not exist"))
    out.includes.append(inc)
    reads = out.reads
    built = reads.built.get((inc, path)) if reads is not None else None
    if built is None or stack_meets(stack, built[3]):
        part = DigFile(inc, None, reads=reads)
        data = _load_into(root, inc, path, part, stack + (inc,), at=where)
        built = (data, part.values, part.keys, part.includes)
        if reads is not None:
            reads.built[(inc, path)] = built
    data, values, keys, includes = built
    for at_path, pos in values.items():  # as if loaded here: the first position stays
        out.values.setdefault(at_path, pos)
    out.keys.update(keys)
    out.includes += includes
    if data is not None and not isinstance(data, dict):
        raise DigLoadError(Finding(*where, RULE, ERROR,
                                   f"!include: {inc} must hold a YAML mapping"))
    return data


def stack_meets(stack: tuple, includes: list[str]) -> bool:
    """True if a file included below is one being loaded above (a cycle to report)."""
    return any(inc in stack for inc in includes)


def _normalise(parts) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if not out or out[-1] == "..":
                out.append("..")
            else:
                out.pop()
        elif part not in (".", ""):
            out.append(part)
    return out


def workflow_files(root: Path) -> list[str]:
    """The workflows of a project: the regular ``*.dig`` files at its top (not dot-files)."""
    return sorted(p.name for p in root.glob("*.dig") if p.is_file()
                  and not p.name.startswith("."))
