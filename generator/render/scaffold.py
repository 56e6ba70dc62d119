"""``generate-source``: a new spec from the connector catalog, rendered and validated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import catalog
from ..errors import ConfigError, TdgenError, UsageError
from ..timestamp_formats import load_formats
from .env import make_env
from ..spec.diagnostics import did_you_mean

# A file connector's parser; its columns come from --column (or `tdgen guess` later), never a
# placeholder that would not load a real multi-column file.
CSV_PARSER = {"type": "csv", "charset": "UTF-8", "newline": "LF", "delimiter": ",",
              "skip_header_lines": 1}
COLUMN_FLAG = "--column NAME:TYPE (repeat it, one per column; `tdgen guess` can fill them in)"


@dataclass
class ScaffoldRequest:
    name: str
    connector: str
    objects: list[str] = field(default_factory=list)
    timestamp_format: str | None = None
    auth_id: int | None = None
    incremental_field: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)  # NAME:TYPE


def scaffold_text(root: Path, req: ScaffoldRequest) -> str:
    """The YAML text of a new spec; ``UsageError`` when the request lacks what is needed."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", req.name):
        raise UsageError(f"source name '{req.name}': use lowercase letters, digits and "
                         "underscores, starting with a letter")
    connector = catalog.get(req.connector)
    if connector is None:
        raise UsageError(f"unknown connector '{req.connector}'"
                         f"{did_you_mean(req.connector, catalog.CONNECTORS)} (known: "
                         f"{', '.join(sorted(catalog.CONNECTORS))})")
    gaps = missing(connector, req)
    if gaps:
        raise UsageError(f"{connector.type} needs: " + "; ".join(gaps))
    objects = req.objects or default_objects(connector)
    formats = load_formats(root / "templates" / "timestamp_formats", root)
    fmt = _format(connector, req, formats)
    context = {
        "name": req.name, "connector": connector, "auth_id": req.auth_id, "format": fmt,
        "secrets": {}, "params": dict(req.params), "objects": [],
        "default_start": fmt.format(_first_of_month()) if fmt else None,
    }
    _fill_params(connector, req, context)
    for name in objects:
        context["objects"].append(_object(connector, req, name))
    if not any(o["fields"] for o in context["objects"]):
        context["default_start"] = None
        context["format"] = None if not req.timestamp_format else fmt
    env = make_env(root / "templates")
    return env.get_template("source.yml.j2").render(**context)


def _format(connector, req, formats):
    name = req.timestamp_format or connector.default_format
    if name is None:
        return None
    if name not in formats:
        raise UsageError(f"unknown timestamp format '{name}'{did_you_mean(name, formats)} "
                         f"(known: {', '.join(sorted(formats))})")
    return formats[name]


def _first_of_month() -> datetime:
    """The first instant of last month: in the past, so the first run loads a month or more."""
    first = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=1)


def _fill_params(connector, req, context) -> None:
    for param in req.params:
        if param not in connector.params:
            raise UsageError(f"--param {param}: not a {connector.type} parameter"
                             f"{did_you_mean(param, connector.params)}")
    for name, param in connector.params.items():
        if name in req.params or param.scope == "object":
            continue
        value = _scaffold_value(connector, req, name, param)
        if value is _SECRET:
            context["secrets"][name] = f"{req.name}_{name}"
        elif value is not None:
            context["params"][name] = value


def default_objects(connector) -> list[str]:
    return [o for o in connector.objects if o in connector.object_fields]


def missing(connector, req) -> list[str]:
    """Every flag the request lacks, at once (off a terminal nothing can be asked)."""
    gaps = []
    if connector.auth == "td_authentication_id" and req.auth_id is None:
        gaps.append("pass --auth-id ID (the number in the TD Authentication's URL in the "
                    "Console)")
    if not req.objects and not default_objects(connector):
        gaps.append("pass --object NAME (no default objects; repeat it for several)")
    for name in missing_params(connector, req):
        gaps.append(f"pass {COLUMN_FLAG}" if name in ("parser", "columns") else
                    f"pass --param {name}=VALUE ({connector.params[name].description})")
    return gaps


def missing_params(connector, req) -> list[str]:
    """Required source parameters only the user can tell (no secret, no documented default)."""
    return [name for name, param in connector.params.items()
            if name not in req.params and param.scope != "object"
            and _scaffold_value(connector, req, name, param) is _MISSING]


_SECRET, _MISSING = object(), object()


def _scaffold_value(connector, req, name: str, param):
    """What the scaffold writes for a source-level parameter: a value, a secret, nothing
    (None), or ``_MISSING`` when it is required and only the user can tell it."""
    if name in connector.scaffold_params:
        return connector.scaffold_params[name]
    if name in ("parser", "columns") and param.required:
        if not req.columns:
            return _MISSING
        columns = [parse_column(c) for c in req.columns]
        return {**CSV_PARSER, "columns": columns} if name == "parser" else columns
    if param.secret and param.required or name in connector.scaffold_secrets:
        return _SECRET
    return _MISSING if param.required else None


def parse_column(text: str) -> dict:
    """``NAME:TYPE`` from --column: a parser column (Embulk types)."""
    name, _, kind = text.partition(":")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or kind not in EMBULK_TYPES:
        raise UsageError(f"--column {text}: expected NAME:TYPE with TYPE one of "
                         f"{', '.join(EMBULK_TYPES)}")
    return {"name": name, "type": kind}


EMBULK_TYPES = ("boolean", "long", "double", "string", "timestamp", "json")


def _object(connector, req, name: str) -> dict:
    table = re.sub(r"[^a-z0-9_]", "_", f"{req.name}_{name}".lower())
    fields = connector.object_fields.get(name)
    if req.incremental_field:
        fields = (req.incremental_field, req.incremental_field,
                  connector.window.field is not None
                  or connector.window.style in ("query", "where"))
    if not connector.filters_server_side:
        fields = None
    required = [p for p, info in connector.params.items()
                if info.scope == "object" and info.required]
    # a path prefix is where the files are, not a credential: a parameter named after the object
    params = {p: f"{name}/" for p in required if p == "path_prefix"}
    secrets = {p: f"{req.name}_{name}_{p}" for p in required if p not in params}
    return {"name": name, "table": table, "fields": fields, "secrets": secrets,
            "params": params}


def scaffold_request(name: str, connector: str | None, objects=(), timestamp_format=None,
                     auth_id=None, incremental_field=None, params=(), columns=()
                     ) -> ScaffoldRequest:
    """The request ``generate-source`` options make; ``connector`` defaults to ``name`` when
    that is a connector type. ``UsageError`` for a missing connector or a bad ``--param``."""
    if connector is None:
        if not catalog.get(name):
            raise UsageError(f"'{name}' is not a connector type; pass --connector (one of "
                             f"{', '.join(sorted(catalog.CONNECTORS))})")
        connector = name
    pairs = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item}: expected KEY=VALUE")
        pairs[key] = value
    return ScaffoldRequest(name, connector, list(objects), timestamp_format, auth_id,
                           incremental_field, pairs, list(columns))


def write_spec(root: Path, name: str, text: str, force: bool) -> Path:
    target = root / "sources" / f"{name}.yml"
    if target.exists() and not force:
        raise ConfigError(f"sources/{name}.yml already exists; edit it, or pass --force to "
                          "overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def scaffold_and_render(base: Path, req, force: bool, no_render: bool) -> Path:
    """Write the spec, validate the whole project, render; on error restore the old state."""
    from .generate import generate as run_generate
    from .writer import CONFLICT, apply, changed

    text = scaffold_text(base, req)
    target = base / "sources" / f"{req.name}.yml"
    previous = target.read_text(encoding="utf-8") if target.exists() else None
    path = write_spec(base, req.name, text, force)
    try:
        _, statuses = run_generate(base)
        conflicts = [s.path for s in statuses if s.status == CONFLICT]
        if conflicts:
            raise ConfigError("generated files were edited by hand: " + ", ".join(conflicts)
                              + "; run `tdgen generate --force` after reviewing them")
        if not no_render:
            apply(base, changed(statuses))
    except TdgenError:
        if previous is None:
            path.unlink()
        else:
            path.write_text(previous, encoding="utf-8")
        raise
    return path
