"""One legacy datasource entry (and its historical twin) as a spec object."""

from __future__ import annotations

import re

from .notes import ACCEPT, CARRIED, DRIFT, KEPT, Imported
from .substitute import secret_key

_QUERY_TABLE = re.compile(r"\bFROM\s+`?([A-Za-z0-9_.\-]+)`?", re.IGNORECASE)
_NOT_PARAMS = {"query", "import_type", "table", "incremental", "type", "td_authentication_id"}


def object_name(connector, entry: dict, cfg: dict) -> str:
    """The connector's object: its object parameter, or the (BigQuery, JDBC) table."""
    if connector.object_param and cfg.get(connector.object_param):
        return str(cfg[connector.object_param])
    if connector.window.style == "query":
        table = entry.get("table") or cfg.get("table") or _query_table(cfg.get("query"))
        if table:
            return str(table).rsplit(".", 1)[-1]
    return str(entry.get("name") or entry.get("table"))


def _query_table(query) -> str | None:
    match = _QUERY_TABLE.search(query) if isinstance(query, str) else None
    return match[1] if match else None


def table_name(source: str, name: str, entry: dict) -> str:
    table = entry.get("table_name") or f"{source}_{name}"
    return re.sub(r"[^a-z0-9_]", "_", str(table).lower())


def fields(connector, entry: dict, cfg: dict, out: Imported, name: str):
    """(table field, connector field, connector takes it) or None for a full load."""
    table_field = entry.get("incremental_field") or entry.get("inc_field")
    if not table_field or cfg.get("incremental") is False:
        return None
    if not connector.filters_server_side:
        out.note(KEPT, f"incremental_field {table_field}: {connector.type} cannot filter by "
                 "time, so it is a full load", name)
        return None
    if connector.window.style == "query":
        return str(table_field), str(entry.get("incremental_field_connector") or table_field), True
    return (str(table_field), _connector_field(connector, entry, cfg, out, name),
            connector.window.field is not None and connector.window.field in cfg)


def _connector_field(connector, entry, cfg, out, name) -> str:
    in_config = cfg.get(connector.window.field) if connector.window.field else None
    listed = entry.get("incremental_field_connector")
    if not listed:
        out.note(DRIFT, "incremental_field_connector missing from the datasource entry; "
                 f"taken from {'the load config' if in_config else 'incremental_field'}", name)
    if listed and in_config and str(in_config) != str(listed):
        out.note(DRIFT, f"the load config hard-codes incremental_field {in_config}, the entry "
                 f"says {listed}; the load config's value (what ran) is kept", name)
    return str(in_config or listed or entry.get("incremental_field"))


def extra_params(connector, cfg: dict) -> dict:
    """What the load config sets beyond what the generator writes itself."""
    generated = connector.generated_params | _NOT_PARAMS
    return {k: v for k, v in cfg.items() if k not in generated}


def split_params(connector, per_object: dict[str, dict], out: Imported):
    """(source params, source secrets, object -> (params, secrets)): a value every object
    shares goes to the source, unless the catalog scopes it per object."""
    names = sorted({k for cfg in per_object.values() for k in cfg})
    shared: dict = {}
    for key in names:
        values = [cfg.get(key, _MISSING) for cfg in per_object.values()]
        scope = connector.params[key].scope if key in connector.params else "source"
        if scope != "object" and all(v == values[0] for v in values) and \
                values[0] is not _MISSING:
            shared[key] = values[0]
    src = _as_spec(connector, shared, out, "")
    objects = {}
    for name, cfg in per_object.items():
        rest = {k: v for k, v in cfg.items() if k not in shared}
        objects[name] = _as_spec(connector, rest, out, name)
    return src[0], src[1], objects


_MISSING = object()


def _as_spec(connector, values: dict, out: Imported, obj: str) -> tuple[dict, dict]:
    params, secrets = {}, {}
    for key, value in values.items():
        known = connector.params.get(key)
        secret = secret_key(value)
        if known is None:
            out.note(KEPT, f"{key}: not a known {connector.type} parameter, so a spec cannot "
                     f"carry it; left out (legacy value: {_shown(value, secret)})", obj)
        elif secret:
            secrets[key] = secret
        elif known.secret:
            secrets[key] = f"{out.name}_{key}"
            out.note(KEPT, f"{key}: a secret written in clear in the load config; now "
                     f"${{secret:{out.name}_{key}}}: put its value in "
                     "credentials_ingestion.json", obj)
        else:
            params[key] = value
    return params, secrets


def _shown(value, secret: str | None) -> str:
    return f"${{secret:{secret}}}" if secret else repr(value)


def mode_notes(entry: dict, incremental: bool, out: Imported, name: str) -> None:
    mode = entry.get("mode")
    if not incremental and mode == "append":
        out.fixed.add(12)
        out.note(ACCEPT, "a full load the legacy appended: it now replaces its table", name)
    elif incremental and mode not in (None, "append"):
        out.note(ACCEPT, f"mode {mode} on an incremental load: incremental loads append", name)
    elif mode:
        out.note(CARRIED, f"mode {mode}", name)
