"""Bounds on YAML input (specs, settings, ``.dig`` files): a pull request cannot stall CI.

A spec is data from anyone who can open a pull request, so reading one is bounded: its size
(``MAX_BYTES``), its nesting (``MAX_DEPTH``), what its aliases expand to (``MAX_EXPANSION``
nodes beyond the document's own: a "billion laughs" of a few hundred bytes otherwise takes
minutes and gigabytes), and its tags (the core schema's only: ``!!python/object``, ``!!binary``
or ``!<tag:x>`` are refused, and an explicit ``!!int`` must hold an integer). Each problem is a
``yaml.MarkedYAMLError`` with the position, which the readers turn into ``file:line:column``.
The measure is linear in the distinct nodes: an alias is the same node, measured once.
"""

from __future__ import annotations

import yaml
import yaml.reader  # noqa: F401  (ReaderError)

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_EXPANSION = 100_000
_CORE = "tag:yaml.org,2002:"
CORE_TAGS = {_CORE + t for t in ("str", "int", "bool", "float", "null", "seq", "map", "merge")}


class InputBoundError(yaml.MarkedYAMLError):
    """YAML input past a bound, or outside the core schema."""


def _mark(text: str, index: int) -> yaml.Mark:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return yaml.Mark("<input>", index, line, column, None, None)


def _error(problem: str, mark) -> InputBoundError:
    return InputBoundError(problem=problem, problem_mark=mark)


def check_text(text: str) -> None:
    """Refuse input over ``MAX_BYTES`` (before it is parsed)."""
    if len(text) * 4 > MAX_BYTES and len(text.encode("utf-8")) > MAX_BYTES:
        raise _error(f"the file is over {MAX_BYTES // (1024 * 1024)} MiB; a spec or workflow "
                     "file this large is refused", _mark(text, 0))


def reader_error(text: str, exc) -> InputBoundError:
    """A character YAML does not allow (NUL, control characters), with its position."""
    char = exc.character
    shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
    return _error(f"character {shown} is not allowed in YAML (control characters and NUL "
                  "are refused)", _mark(text, max(0, exc.position)))


def too_deep(text: str, loader_class) -> InputBoundError:
    """The first position nested deeper than ``MAX_DEPTH`` (the parser is not recursive)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return _depth_error(event.start_mark)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        return _error(str(getattr(exc, "problem", None) or exc), getattr(exc, "problem_mark",
                                                                        None))
    return _depth_error(_mark(text, 0))


def _depth_error(mark) -> InputBoundError:
    return _error(f"nested deeper than {MAX_DEPTH} levels", mark)


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_node(root, loader) -> None:
    """Depth, alias expansion, recursion and tags of a composed document; iterative."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            _finish(node, size, depth)
            active.discard(key)
        elif key in active:
            raise _error("an alias refers to a value that contains it (a recursive alias)",
                         node.start_mark)
        elif key not in size:
            _check_tag(node, loader)
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _finish(node, size: dict, depth: dict) -> None:
    children = [id(child) for child in _children(node)]
    size[id(node)] = 1 + sum(size[c] for c in children)
    depth[id(node)] = 1 + max((depth[c] for c in children), default=0)
    if depth[id(node)] > MAX_DEPTH + 1:  # + 1: a scalar inside the deepest collection
        raise _depth_error(node.start_mark)
    if size[id(node)] > len(size) + MAX_EXPANSION:
        raise _error(f"aliases expand this value to {size[id(node)]:,} nodes (more than "
                     f"{MAX_EXPANSION:,} beyond the file's own); refused", node.start_mark)


def _check_tag(node, loader) -> None:
    tag = node.tag
    if tag.startswith("!"):
        return  # local tags: each reader says which it knows (``!include`` for Digdag)
    if tag not in CORE_TAGS:
        raise _error(f"YAML tag {tag.replace(_CORE, '!!')} is not allowed (only plain "
                     "strings, numbers, booleans, null, lists and mappings)", node.start_mark)
    if isinstance(node, yaml.ScalarNode) and tag not in (_CORE + "str", _CORE + "merge"):
        resolved = loader.resolve(yaml.ScalarNode, node.value, (True, False))
        if resolved != tag and not (tag == _CORE + "float" and resolved == _CORE + "int"):
            raise _error(f"{node.value!r} is not a valid {tag.replace(_CORE, '!!')}",
                         node.start_mark)
