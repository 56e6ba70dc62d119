"""A legacy source as a spec (a plain mapping, in the spec's key order) and its notes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .. import catalog
from . import objects as obj
from .history import history_block, parse_instant
from .legacy import Entry, LegacyProject, LegacySource
from .notes import ACCEPT, ALWAYS_FIXED, CARRIED, DRIFT, KEPT, Imported
from .substitute import substitute


def map_source(project: LegacyProject, src: LegacySource, formats: dict, now: datetime,
               auth_ids: dict, log_rows: list[dict] | None = None) -> Imported:
    out = Imported(src.name)
    entries = src.inc or src.hist
    configs = [e for e in entries if e.config]
    if not configs:
        out.skipped = "no datasource entry with a load config (config_file) was found"
        return out
    kind = str(configs[0].config["in"].get("type"))
    connector = catalog.get(kind)
    if connector is None:
        out.skipped = (f"connector '{kind}' is not in the catalog (generator/catalog.py): a "
                       "spec's params are checked against the catalog, so its parameters "
                       "cannot be kept as params; add the connector to the catalog, then "
                       "import this source again")
        return out
    _map(project, src, connector, formats, now, auth_ids, log_rows or [], out)
    return out


def _map(project, src, connector, formats, now, auth_ids, log_rows, out) -> None:
    spec: dict = {"source": src.name, "connector": connector.type,
                  "description": f"{connector.title}, imported from the legacy project."}
    auth = _auth(project, src, connector, auth_ids, out)
    if out.skipped:
        return
    if auth is not None:
        spec["td_authentication_id"] = auth
    loads = _objects(project, src, connector, out)
    src_params, src_secrets, per_object = obj.split_params(
        connector, {o["name"]: cfg for o, cfg in loads}, out)
    spec.update(_present(secrets=src_secrets, params=src_params))
    fmt = formats.get(connector.default_format) if connector.default_format else None
    fmt = fmt if any("incremental" in o for o, _ in loads) else None
    _source_keys(spec, src, fmt, now, out)
    spec["objects"] = [_with_params(o, per_object[o["name"]]) for o, _ in loads]
    _carried(spec, out)
    _general_notes(src, out)
    spec.update(_present(history=history_block(project, src, connector, fmt, spec, log_rows,
                                               out)))
    out.spec = spec


def _present(**values) -> dict:
    return {k: v for k, v in values.items() if v}


def _source_keys(spec: dict, src, fmt, now: datetime, out: Imported) -> None:
    """Format, parallelism, schedule, start and the seam, in the spec reference's order."""
    if fmt:
        spec["timestamp_format"] = fmt.name
    spec["parallel"] = _parallel(src.parallel.get("inc"), out)
    if src.schedule:
        spec["schedule"] = src.schedule
    if fmt:
        spec["default_start_time"] = _default_start(src.inc, fmt, out)
    spec["legacy_log_before"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _auth(project, src, connector, overrides, out):
    if connector.auth != "td_authentication_id":
        return None
    if src.name in overrides:
        out.note(CARRIED, f"td_authentication_id {overrides[src.name]} (from --auth-id)")
        return overrides[src.name]
    seen = _auth_ids_seen(project, src)
    real = _real_ids(seen, out)
    if real:
        if len(set(real)) > 1:
            out.note(DRIFT, f"several td_authentication_ids {sorted(set(real))}; {real[0]} kept")
        return real[0]
    out.skipped = (f"no real td_authentication_id for {connector.type} (seen: "
                   f"{sorted(set(map(str, seen))) or 'none'}): pass --auth-id {src.name}=ID")
    return None


def _auth_ids_seen(project, src) -> list:
    context = {"td_authentication_ids": {k: {"default": v} for k, v in project.auth_ids.items()}}
    return [substitute(e.config["in"].get("td_authentication_id"), context)
            for e in src.inc + src.hist if e.config]


def _real_ids(seen: list, out: Imported) -> list[int]:
    """The ids that are not placeholders; each placeholder is reported."""
    from ..spec.names import is_placeholder_id

    ids = [v for v in seen if isinstance(v, int)]
    real = [v for v in ids if not is_placeholder_id(v)]
    for bad in sorted({v for v in ids if is_placeholder_id(v)}):
        out.fixed.add(11)
        out.note(DRIFT, f"placeholder td_authentication_id {bad}"
                 + (f"; the project's real id {real[0]} is used" if real else ""))
    return real


def _objects(project, src, connector, out) -> list[tuple[dict, dict]]:
    hist = {}
    for entry in src.hist:
        if entry.config:
            cfg = _config(project, entry)
            hist[obj.object_name(connector, entry.data, cfg)] = (entry, cfg)
    loads = []
    for entry in src.inc:
        if not entry.config:
            out.note(KEPT, f"entry {entry.data.get('name')} has no config_file; left out")
            continue
        cfg = _config(project, entry)
        name = obj.object_name(connector, entry.data, cfg)
        out.legacy_configs[name] = {**cfg, "out.mode": _out_mode(entry)}
        loads.append((_object(src, connector, entry, cfg, hist.pop(name, None), out), cfg))
    for name in hist:
        out.note(KEPT, "only in hist_datasources: a spec object is incremental or full first, "
                 "so this history-only object is left out; add it by hand if it is needed", name)
    for _, cfg in loads:
        for key in ("type", "td_authentication_id", "incremental"):
            cfg.pop(key, None)
    return [(o, obj.extra_params(connector, cfg)) for o, cfg in loads]


def _config(project: LegacyProject, entry: Entry) -> dict:
    context = {"datasource": entry.data, "databases": project.databases,
               "td_authentication_ids": {k: {"default": v}
                                         for k, v in project.auth_ids.items()}}
    return substitute(dict(entry.config["in"]), context)


def _out_mode(entry: Entry):
    out = entry.config.get("out")
    return substitute(out.get("mode"), {"datasource": entry.data}) if isinstance(out, dict) \
        else None


def _object(src, connector, entry, cfg, hist, out) -> dict:
    name = obj.object_name(connector, entry.data, cfg)
    spec = {"name": name, "table": obj.table_name(src.name, name, entry.data)}
    found = obj.fields(connector, entry.data, cfg, out, name)
    if found:
        spec["incremental"] = {"table_field": found[0], "connector_field": found[1]}
        if not found[2]:
            spec["incremental"]["connector_takes_field"] = False
        out.note(CARRIED, f"incremental on {found[0]} (connector field {found[1]})", name)
    obj.mode_notes(entry.data, bool(found), out, name)
    if src.hist:
        spec["history"] = _object_history(src, connector, spec, hist, out)
    return spec


def _object_history(src, connector, spec, hist, out):
    if "incremental" not in spec:
        return True  # full loads have no history
    if hist is None:
        out.note(ACCEPT, "only in inc_datasources: left out of history", spec["name"])
        return False
    entry, cfg = hist
    found = obj.fields(connector, entry.data, cfg, out, spec["name"])
    differs: dict = {}
    table = obj.table_name(src.name, spec["name"] + "_hist", entry.data)
    if table != spec["table"] + "_hist":
        differs["table"] = table
    if found and found[0] != spec["incremental"]["table_field"]:
        differs["table_field"] = found[0]
    if found and found[1] != spec["incremental"]["connector_field"]:
        differs["connector_field"] = found[1]
    return differs or True


def _with_params(spec: dict, params_secrets: tuple[dict, dict]) -> dict:
    params, secrets = params_secrets
    if params:
        spec["params"] = params
    if secrets:
        spec["secrets"] = secrets
    if spec.get("history") is True:
        del spec["history"]
    return spec


def _parallel(value, out):
    if isinstance(value, dict) and isinstance(value.get("limit"), int):
        return value["limit"]
    if isinstance(value, bool):
        return value
    out.note(ACCEPT, "no _parallel on the datasource loop: the objects load one at a time")
    return False


def _default_start(entries: list[Entry], fmt, out) -> str:
    found = [(parse_instant(e.data.get("default_start_time")), e) for e in entries
             if e.data.get("incremental_field") or e.data.get("inc_field")]
    instants = sorted({m for m, _ in found if m})
    if not instants:
        out.note(DRIFT, "no readable default_start_time: the first day of this month is used")
        return fmt.format(datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0,
                                                    microsecond=0))
    written = {str(e.data.get("default_start_time")) for _, e in found}
    if len(instants) > 1:
        out.note(DRIFT, f"default_start_time differs between objects ({sorted(written)}); "
                 "the earliest is kept (the table fallback starts each table after its data)")
    first = instants[0]
    if any(_strict(e) for _, e in found) and first.second == 59:
        first = first.replace(microsecond=0) + timedelta(seconds=1)
        out.note(DRIFT, "the legacy query filtered with a strict '>' from "
                 f"{sorted(written)[0]}: the half-open window starts on the next second")
    value = fmt.format(first)
    if value not in written and first == instants[0]:
        out.note(DRIFT, f"default_start_time {sorted(written)[0]} is not in the {fmt.name} "
                 f"format: written as {value}")
    return value


_STRICT = re.compile(r"[^<>=!]>\s*'")


def _strict(entry: Entry) -> bool:
    query = (entry.config or {}).get("in", {}).get("query")
    return isinstance(query, str) and bool(_STRICT.search(query))


def _carried(spec: dict, out: Imported) -> None:
    for key in ("td_authentication_id", "secrets", "params", "timestamp_format", "parallel",
                "schedule"):
        if key in spec:
            out.note(CARRIED, f"{key}: {spec[key]}")
    for o in spec["objects"]:
        for key in ("secrets", "params"):
            if key in o:
                out.note(CARRIED, f"{key}: {o[key]}", o["name"])


def _general_notes(src: LegacySource, out: Imported) -> None:
    out.fixed.update(ALWAYS_FIXED)
    if src.run_mode is not None:
        out.fixed.add(6)
        out.note(DRIFT, f"run_mode: {src.run_mode} in _export: there is no switch any more; "
                 "the incremental and historical workflows run separately")
    out.note(ACCEPT, "windows are half-open [start, end) from the log's watermark, the end "
             "less the connector's lag; errors are logged per object with the window and the "
             "reason; each object runs as its own workflow")
