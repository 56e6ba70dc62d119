"""Set one parameter of one object in a spec's text, keeping everything else as written.

The spec is edited as text, at the positions PyYAML reports (no round-trip library): the
value goes under the object's block ``params:`` (replacing the parameter when it is there, or
added after the last line of ``params:`` or of the object), and the result must load as the
old spec with only that value changed, or nothing is written.
"""

from __future__ import annotations

import yaml

from ..errors import ConfigError


def set_object_param(text: str, index: int, name: str, value, where: str) -> str:
    root = yaml.compose(text)
    item = _item(root, index, where)
    params = _get(item, "params")
    indent = item.value[0][0].start_mark.column
    if params is None:
        block = _block({"params": {name: value}}, indent)
        new = _insert_after(text, _end(item), block)
    elif params.flow_style or not isinstance(params, yaml.MappingNode):
        raise ConfigError(f"{where}:{params.start_mark.line + 1}:{params.start_mark.column + 1}"
                          f": objects/{index}/params is written inline ({{...}}): write it as a "
                          "block mapping, or paste the parser shown by --dry-run")
    else:
        new = _set_in(text, params, name, value)
    _verify(text, new, index, name, value, where)
    return new


def _set_in(text: str, params: yaml.MappingNode, name: str, value) -> str:
    indent = params.value[0][0].start_mark.column
    for key, node in params.value:
        if key.value == name:
            start = key.start_mark.index - key.start_mark.column
            end = _line_end(text, _end(node).index)
            return text[:start] + _block({name: value}, indent).rstrip("\n") + text[end:]
    return _insert_after(text, _end(params), _block({name: value}, indent))


def _item(root, index: int, where: str):
    objects = _get(root, "objects") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(objects, yaml.SequenceNode) or index >= len(objects.value) or \
            not isinstance(objects.value[index], yaml.MappingNode) or \
            objects.value[index].flow_style:
        raise ConfigError(f"{where}: objects/{index} is not a block mapping the parser can be "
                          "written into; paste the parser shown by --dry-run")
    return objects.value[index]


def _get(mapping: yaml.MappingNode, key: str):
    return next((v for k, v in mapping.value if k.value == key), None)


def _end(node) -> yaml.Mark:
    """Where the node's last content ends (a block collection's own end mark may reach into
    the following comments)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style \
            and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _insert_after(text: str, mark: yaml.Mark, block: str) -> str:
    end = _line_end(text, mark.index)
    return text[:end] + "\n" + block.rstrip("\n") + text[end:]


def _block(value: dict, indent: int) -> str:
    dumped = yaml.safe_dump(value, sort_keys=False, default_flow_style=None, width=96,
                            allow_unicode=True)
    return "".join(" " * indent + line + "\n" for line in dumped.splitlines())


def _verify(old: str, new: str, index: int, name: str, value, where: str) -> None:
    expected = yaml.safe_load(old)
    expected["objects"][index].setdefault("params", {})[name] = value
    if yaml.safe_load(new) != expected:
        raise ConfigError(f"{where}: writing the parser into objects/{index} would change more "
                          "than the parser; nothing was written (paste the parser shown by "
                          "--dry-run)")
