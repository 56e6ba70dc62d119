"""YAML with positions: every value keeps the ``line:column`` it came from.

Specs and settings are read here; a syntax error, a duplicate key or a tag becomes a
``ConfigError`` that names ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ConfigError
from .findings import ERROR, Finding

Path_ = tuple  # a path into the data: keys and list indexes


class _Loader(yaml.SafeLoader):
    """Safe loading without YAML 1.1 timestamps: ``2023-09-01`` stays a string."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        """The same loader on libyaml's parser (several times faster on large files)."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
else:  # pragma: no cover - PyYAML built without libyaml
    _CLoader = None


def compose(text: str, loader_class=_Loader, c_loader_class=_CLoader):
    """(node, loader) of ``text``: libyaml parses when it can; a document it rejects is parsed
    again by the pure-Python parser, so errors and their messages are PyYAML's own.

    The input is bounded (``yamlbounds``): its size, its nesting, what its aliases expand to,
    its tags and characters; each is a ``yaml.MarkedYAMLError`` with the position."""
    from .yamlbounds import check_node, check_text, reader_error, too_deep

    check_text(text)
    try:
        node, loader = _compose(text, loader_class, c_loader_class)
    except yaml.reader.ReaderError as exc:  # NUL, control characters: PyYAML gives no line
        raise reader_error(text, exc) from None
    except RecursionError:
        raise too_deep(text, loader_class) from None
    if node is not None:
        check_node(node, loader)
    return node, loader


def safe_load(text: str):
    """``yaml.safe_load(text)``'s value (PyYAML's own resolution, timestamps included), parsed
    as ``compose`` parses: libyaml when it can, the pure parser when libyaml rejects the text,
    so an error reads the same with or without libyaml."""
    node, loader = _compose(text, yaml.SafeLoader, getattr(yaml, "CSafeLoader", None))
    return None if node is None else loader.construct_document(node)


def _compose(text: str, loader_class, c_loader_class):
    if c_loader_class is not None:
        loader = c_loader_class(text)
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    loader = loader_class(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


@dataclass
class Located:
    """Data loaded from one YAML file, with the position of every value and key."""

    path: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """The position of ``path`` (its key if ``key``), or of its nearest ancestor."""
        path = tuple(path)
        while path:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def finding(self, path: Path_, rule: str, message: str, key: bool = False,
                level: str = ERROR) -> Finding:
        line, col = self.where(path, key)
        return Finding(self.path, line, col, rule, level, message)


def _pos(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def load(text: str, path: str) -> Located:
    """Parse ``text``; raise ``ConfigError`` with the position of a syntax problem."""
    located = Located(path, None)
    try:
        node, loader = compose(text)
        located.data = None if node is None else _build(node, (), located, loader)
    except yaml.MarkedYAMLError as exc:  # a merge key (<<) of a non-mapping too
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        finding = Finding(path, line, col, "yaml-syntax", ERROR, describe(exc))
        raise ConfigError(str(finding), [finding]) from None
    return located


def describe(exc: yaml.MarkedYAMLError) -> str:
    """The message of a YAML error: a syntax error, or input refused by a bound."""
    from .yamlbounds import InputBoundError

    problem = exc.problem or exc.context or "invalid YAML"
    if isinstance(exc, InputBoundError):
        return f"YAML input refused: {problem}"
    return f"YAML syntax error: {problem}"


def _build(node, path: Path_, out: Located, loader: _Loader) -> Any:
    out.values[path] = _pos(node.start_mark)
    if node.tag.startswith("!") and not node.tag.startswith("!!"):
        _fail(out, node, f"YAML tag {node.tag} is not allowed here; remove it")
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, (str, int, bool)):
                _fail(out, key_node, "a mapping key must be a plain scalar")
            if key in result:
                first = out.keys[path + (key,)]
                _fail(out, key_node, f"duplicate key '{key}' (first defined at line {first[0]})")
            out.keys[path + (key,)] = _pos(key_node.start_mark)
            result[key] = _build(value_node, path + (key,), out, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), out, loader) for i, item in enumerate(node.value)]
    if node.tag == _STR:
        return node.value  # what construct_object gives for a string, without its overhead
    return loader.construct_object(node)


_STR = "tag:yaml.org,2002:str"


def _fail(out: Located, node, message: str) -> None:
    line, col = _pos(node.start_mark)
    finding = Finding(out.path, line, col, "yaml-syntax", ERROR, message)
    raise ConfigError(str(finding), [finding])


def load_file(path, display: str | None = None) -> Located:
    from pathlib import Path

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        finding = Finding(display or str(p), 1, 1, "yaml-syntax", ERROR, f"cannot read: {why}")
        raise ConfigError(str(finding), [finding]) from None
    return load(text, display or str(p))
