"""The one Jinja environment: strict, no autoescape, every filter registered here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2
import yaml

def duration_seconds(text: str) -> int:
    """``1h30m`` -> 5400."""
    from ..durations import seconds

    return seconds(text)


def yaml_str(value) -> str:
    """A YAML double-quoted scalar of ``value``: JSON escapes every quote, backslash and
    control character (a newline cannot start a new key); the line and paragraph separators
    YAML would fold are escaped too."""
    text = json.dumps(str(value), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace(
        "\x85", "\\u0085")


# One function per target language: a value that reaches SQL, YAML or a file path goes
# through one of these in the templates. Specs are validated first (``spec/names.py``); these
# refuse (``ValueError``, a template error naming the spec) what no quoting makes safe.


def _plain_text(value, what: str) -> str:
    text = str(value)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{what} {text!r} holds a control character")
    return text


def sql_str(value) -> str:
    """A Trino (standard SQL) string literal: ``'...'`` with each ``'`` doubled."""
    return "'" + _plain_text(value, "SQL string").replace("'", "''") + "'"


def sql_ident(value) -> str:
    """A Trino quoted identifier: ``"..."`` with each ``"`` doubled (case kept)."""
    return '"' + _plain_text(value, "SQL identifier").replace('"', '""') + '"'


def bq_ident(value) -> str:
    """A BigQuery (and MySQL-style JDBC) quoted identifier: ``` `a.b` ```; a backtick or a
    backslash inside, which BigQuery reads as escapes, is refused."""
    text = _plain_text(value, "quoted identifier")
    if "`" in text or "\\" in text or not text:
        raise ValueError(f"quoted identifier {text!r}: a backtick or backslash cannot be quoted")
    return f"`{text}`"


def path_segment(value) -> str:
    """``value`` as one file name inside a generated folder: no ``/`` or ``\\``, not ``.`` or
    ``..``, no control character, at most 255 bytes; anything else is refused."""
    text = _plain_text(value, "file name")
    if (not text or text in (".", "..") or "/" in text or "\\" in text
            or len(text.encode("utf-8")) > 255):
        raise ValueError(f"{text!r} is not a safe file name")
    return text


def comment(value) -> str:
    """``value`` on one line, for a ``#`` or ``--`` comment (a newline would end it)."""
    return " ".join(str(value).split())


def yaml_value(value) -> str:
    """A YAML flow value: booleans as true/false, numbers as is, strings quoted."""
    return json.dumps(value, ensure_ascii=False)


def to_yaml(value, indent: int = 0) -> str:
    """A mapping as block YAML, indented; no trailing newline."""
    try:
        key = (_frozen(value), indent)
    except TypeError:  # not plain data: render it every time
        return _to_yaml(value, indent)
    if key not in _YAML_CACHE:
        _YAML_CACHE[key] = _to_yaml(value, indent)
    return _YAML_CACHE[key]


# Rendering a project dumps the same parameters for every object of a source (and the same
# parser block for many sources); PyYAML's emitter is pure Python, so each value is dumped once.
_YAML_CACHE: dict[tuple, str] = {}


def _frozen(value):
    """A hashable image of plain data that tells apart what YAML writes differently."""
    kind = type(value)
    if kind is dict:
        return ("map", tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if kind is list:
        return ("seq", tuple(_frozen(v) for v in value))
    if value is None or kind in (str, int, float, bool):
        return (kind, value)
    raise TypeError(kind)  # subclasses too: YAML may write them differently, or refuse them


def _to_yaml(value, indent: int) -> str:
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True,
                          width=1000)
    pad = " " * indent
    return "\n".join(pad + line for line in text.rstrip("\n").splitlines())


def parallel(value) -> str:
    """The ``_parallel`` value: ``true`` or ``{limit: N}``."""
    if value is True:
        return "true"
    return f"{{limit: {int(value)}}}"


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, outside the repository (the user's temporary
    cache folder), each checked against its source: compiling the templates took ~0.1 s of
    every run. A cache that cannot be read or written is skipped."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # By template name only (Jinja adds the path): every copy of a project would add
        # files that are never removed. The source checksum still decides whether it is used.
        return hashlib.sha1(name.encode("utf-8")).hexdigest()

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    # Jinja keys compiled code by template name, path and source only: the environment's
    # options (this file) and Jinja's version (its __init__.py) go in the file names too.
    try:
        options = Path(__file__).read_bytes() + Path(jinja2.__file__).read_bytes()
        tag = hashlib.sha256(options).hexdigest()[:12]
        return _BytecodeCache(pattern=f"tdgen-{tag}-%s.cache")
    except (OSError, RuntimeError):  # no safe folder for it
        return None


def make_env(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        bytecode_cache=_bytecode_cache(),
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per run: no stat of the template on every render
    )
    env.filters.update(yaml_str=yaml_str, yaml_value=yaml_value, to_yaml=to_yaml,
                       parallel=parallel, seconds=duration_seconds,
                       sql_str=sql_str, sql_ident=sql_ident, bq_ident=bq_ident,
                       path_segment=path_segment, comment=comment)
    return env
