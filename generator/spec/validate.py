"""Cross-field checks of a source spec: what the schema alone cannot say."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from .. import catalog
from ..findings import ERROR, WARNING, Finding
from ..timestamp_formats import TimestampFormat
from ..yamlpos import Located
from .diagnostics import did_you_mean
from .model import DataObject, SourceSpec
from .names import check_names, is_placeholder_id

RULE = "spec"
# Digdag's default limit of tasks per attempt (core/Limits.java): an attempt over it fails.
MAX_TASKS = 1000
# Each object's history runs as its own attempt (require>): its fixed tasks, and per month the
# iteration group, claim, retried group, claim check, if> and its block, load, finish if>,
# its block and the SUCCESS insert.
TASKS_PER_BATCH = 10
TASKS_PER_HIST_OBJECT = 12
# The pending-months query lists every month in one VALUES clause; trino-sql-validator (Trino's
# parser limits) accepts 311 rows of it and reports "maximum SQL statement complexity exceeded"
# beyond (measured on klaviyo_hist_pending.sql, five values a month); 300 months (25 years)
# keeps a margin.
MAX_HISTORY_MONTHS = 300


def check_source(spec: SourceSpec, located: Located, stem: str,
                 formats: dict[str, TimestampFormat]) -> Iterator[Finding]:
    def err(path, msg, key=False, level=ERROR):
        return located.finding(path, RULE, msg, key=key, level=level)

    yield from check_names(located)
    if spec.source != stem:
        yield err(("source",), f"source: '{spec.source}' must equal the file name '{stem}' "
                  f"(sources/<source>.yml)")
    connector = catalog.get(spec.connector)
    if connector is None:
        yield err(("connector",), f"connector: unknown connector '{spec.connector}'"
                  f"{did_you_mean(spec.connector, catalog.CONNECTORS)} (known: "
                  f"{', '.join(sorted(catalog.CONNECTORS))})")
        return
    fmt = yield from _check_format(spec, connector, formats, err)
    yield from _check_auth(spec, connector, err)
    yield from _check_params(spec, connector, err)
    yield from _check_objects(spec, connector, err)
    yield from _check_times(spec, fmt, err)
    yield from _check_schedule(spec.schedule, ("schedule",), err)
    yield from _check_parallel(spec, err)
    yield from _check_legacy_log_before(spec.legacy_log_before, err)


def _check_legacy_log_before(value: str | None, err):
    if value is None:
        return
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        yield err(("legacy_log_before",), f"legacy_log_before: '{value}' is not an ISO 8601 "
                  "instant with an offset (e.g. 2026-11-20T00:00:00Z)")
    elif moment > datetime.now(UTC):
        yield err(("legacy_log_before",), f"legacy_log_before: {value} is in the future, so "
                  "the workflows would ignore their own log rows until then")


def _check_format(spec, connector, formats, err):
    name = spec.timestamp_format or connector.default_format
    if name is None:
        if any(o.incremental for o in spec.objects):
            yield err(("objects",), f"timestamp_format: connector '{connector.type}' has no "
                      "default format; set timestamp_format for the incremental objects")
        return None
    if name not in formats:
        yield err(("timestamp_format",), f"timestamp_format: unknown format '{name}'"
                  f"{did_you_mean(name, formats)} (known: {', '.join(sorted(formats))}; add "
                  "a file in templates/timestamp_formats/ for a new one)")
        return None
    fmt = formats[name]
    days_window = connector.window.style == "days"
    if fmt.days != days_window and any(o.incremental for o in spec.objects):
        where = ("timestamp_format",) if spec.timestamp_format else ("connector",)
        yield err(where, f"timestamp_format: {connector.type} takes "
                  + ("whole days (a first day and a number of days): its format must be one of "
                     "days, like 'date'" if days_window else
                     f"instants: format '{name}' writes whole days only (use "
                     f"'{connector.default_format}')"))
        return None
    return fmt


def _check_auth(spec, connector, err):
    auth_id = spec.td_authentication_id
    if auth_id is not None and is_placeholder_id(auth_id):
        yield err(("td_authentication_id",), f"td_authentication_id: {auth_id} looks like a "
                  "placeholder; use the id of the TD Authentication (Integrations Hub > "
                  "Authentications, the number in its URL)")
    if connector.auth == "td_authentication_id" and auth_id is None:
        yield err(("connector",), f"td_authentication_id: connector '{connector.type}' "
                  "authenticates through a TD Authentication; add td_authentication_id: <id>")


def _check_params(spec, connector, err):
    known = connector.params
    generated = connector.generated_params
    scopes = [((), spec.params, spec.secrets, "source")]
    scopes += [(("objects", i), o.params, o.secrets, "object") for i, o in enumerate(spec.objects)]
    for base, params, secrets, scope in scopes:
        for kind, mapping in (("params", params), ("secrets", secrets)):
            for name in mapping:
                path = base + (kind, name)
                if name in generated:
                    yield err(path, f"{kind}: '{name}' is written by the generator for "
                              f"{connector.type}; remove it", key=True)
                elif name not in known:
                    yield err(path, f"{kind}: '{name}' is not a known {connector.type} "
                              f"parameter{did_you_mean(name, known)} (known: "
                              f"{', '.join(sorted(known)) or 'none'})", key=True)
                elif known[name].scope == "object" and scope == "source":
                    yield err(path, f"{kind}: '{name}' is set per object; move it under "
                              "each object", key=True)
                elif known[name].secret and kind == "params":
                    yield err(path, f"params: '{name}' is a secret; move it to secrets: "
                              f"{{{name}: <secret key>}} and put the value in "
                              "credentials_ingestion.json", key=True)
    for base, params, _secrets, _scope in scopes:
        yield from _check_parser(params.get("parser"), base + ("params", "parser"), err)
    for name, param in known.items():
        if not param.required:
            continue
        at_source = name in spec.params or name in spec.secrets
        missing = [o for o in spec.objects if name not in o.params and name not in o.secrets]
        if not at_source and missing:
            where = "each object" if param.scope == "object" else "params or secrets"
            yield err(("connector",), f"params: {connector.type} needs '{name}' "
                      f"({param.description}); set it in {where}")


def _check_parser(parser, path, err):
    """Embulk's CSV parser (TSV is CSV with a tab) has no default ``columns``: without them
    the load fails on TD, whatever ``tdgen check`` says."""
    if not isinstance(parser, dict) or parser.get("type", "csv") not in ("csv", "tsv"):
        return
    if not parser.get("columns"):
        yield err(path, f"params: parser: a {parser.get('type', 'csv')} parser needs columns "
                  "(a list of {name, type}; Embulk's CSV parser has no default): run `tdgen "
                  "guess` or list them", key=True)


def _check_objects(spec, connector, err):
    seen: dict[str, int] = {}
    for i, obj in enumerate(spec.objects):
        path = ("objects", i)
        if obj.name in seen:
            yield err(path + ("name",), f"objects: '{obj.name}' is listed twice "
                      f"(objects/{seen[obj.name]})")
        seen.setdefault(obj.name, i)
        yield from _check_object_name(obj.name, path, connector, err)
        yield from _check_load(spec, obj, path, connector, err)


def _check_object_name(name: str, path, connector, err):
    """An error when TD documents the connector's objects (a confirmed catalog fact),
    otherwise a warning: the catalog's list may be incomplete."""
    fact = connector.facts.get("objects")
    confirmed = fact is not None and fact.confirmed
    if not connector.objects or name in connector.objects or (
            confirmed and re.search(rf"\b{re.escape(name)}\b", str(fact.value))):
        return
    hint = did_you_mean(name, connector.objects)
    if confirmed:
        yield err(path + ("name",), f"objects/{path[1]}/name: '{name}' is not a "
                  f"{connector.type} object{hint} (TD documents: {fact.value})")
    else:
        yield err(path + ("name",), f"objects/{path[1]}/name: '{name}' is not a known "
                  f"{connector.type} object{hint} (the catalog's list is unconfirmed: check "
                  "the name with `tdgen preview`)", level=WARNING)


def _check_load(spec: SourceSpec, obj: DataObject, path, connector, err):
    if obj.incremental is None:
        mode = obj.mode or "replace"
        if mode == "append" and not obj.append_full_load:
            yield err(path + ("mode",), f"objects/{path[1]}: a full load with mode: append "
                      "appends the whole dataset again on every run; use replace or truncate, "
                      "or set append_full_load: true")
        elif mode == "append":
            yield err(path + ("mode",), f"objects/{path[1]}: full load appended on every run "
                      "(append_full_load: true)", level=WARNING)
        if not isinstance(obj.history, bool):
            yield err(path + ("history",), f"objects/{path[1]}/history: a full load has no "
                      "history; remove it")
        return
    if not connector.filters_server_side:
        yield err(path + ("incremental",), f"objects/{path[1]}/incremental: {connector.type} "
                  "cannot filter by time on its side, so its objects are full loads; remove "
                  "incremental")
    if obj.mode in ("replace", "truncate") or (obj.mode is None and spec.mode != "append"):
        yield err(path + ("mode",), f"objects/{path[1]}: an incremental load must append "
                  "(mode: replace would keep only the last window)")
    takes = [obj.incremental.connector_takes_field]
    if not isinstance(obj.history, bool) and obj.history.connector_takes_field is not None:
        takes.append(obj.history.connector_takes_field)
    if any(takes) and connector.window.style == "params" and connector.window.field is None:
        yield err(path + ("incremental",), f"objects/{path[1]}/incremental: {connector.type} "
                  "takes no incremental field parameter; set connector_takes_field: false")
    if connector.type == "shopify_v2" and obj.name == "product_variants":
        field = obj.history.connector_field if not isinstance(obj.history, bool) else None
        if field and field != "updated_at":
            yield err(path + ("history", "connector_field"), "product_variants load "
                      "incrementally only by updated_at (TD docs); a history by "
                      f"{field} is rejected by the connector", level=WARNING)


def _check_times(spec: SourceSpec, fmt: TimestampFormat | None, err):
    incremental = [o for o in spec.objects if o.incremental]
    if incremental and spec.default_start_time is None:
        yield err((), "default_start_time: required when an object is incremental (the first "
                  "window starts there)")
    if fmt is None:
        return
    start = yield from _instant(spec.default_start_time, fmt, ("default_start_time",), err)
    if start and start > datetime.now(UTC):
        yield err(("default_start_time",), f"default_start_time: {spec.default_start_time} is "
                  "in the future, so no run would load anything until then (and history would "
                  "reach past today); use an instant in the past")
    if spec.history is None:
        return
    if not incremental:
        yield err(("history",), "history: no object is incremental, so there is nothing to "
                  "load by month; remove history")
        return
    h_start = yield from _instant(spec.history.start, fmt, ("history", "start"), err)
    end_path = ("history", "end") if spec.history.end else ("default_start_time",)
    h_end = yield from _instant(spec.history.end or spec.default_start_time, fmt, end_path,
                                err, report=bool(spec.history.end))
    if h_start and h_end and h_start >= h_end:
        yield err(("history", "start"), f"history: start {spec.history.start} must be before "
                  f"the end {spec.history.end or spec.default_start_time}")
    if h_end and start and h_end > start:
        yield err(("history", "end"), "history: end is after default_start_time; the "
                  "historical and incremental windows would overlap")
    if h_start and h_end:
        yield from _check_history_length(spec, h_start, h_end, err)
        yield from _check_task_budget(spec, h_start, h_end, err)


def _check_history_length(spec, h_start, h_end, err):
    from ..timestamp_formats import month_batches

    months = len(month_batches(h_start, h_end))
    if months > MAX_HISTORY_MONTHS:
        yield err(("history", "start"), f"history: {months} months from {spec.history.start}; "
                  f"the historical workflow lists its months in one SQL statement, which holds "
                  f"at most {MAX_HISTORY_MONTHS} months: start the history later")


def _instant(value, fmt, path, err, report=True):
    if value is None:
        return None
    try:
        return fmt.parse(value)
    except ValueError:
        if report:
            yield err(path, f"{'/'.join(path)}: '{value}' is not in the source's timestamp "
                      f"format {fmt.name}; write it like '{fmt.example}'")
        return None


def _check_task_budget(spec, h_start, h_end, err):
    per_run = TASKS_PER_HIST_OBJECT + spec.history.months_per_run * TASKS_PER_BATCH
    if per_run > MAX_TASKS:
        fit = (MAX_TASKS - TASKS_PER_HIST_OBJECT) // TASKS_PER_BATCH
        yield err(("history", "months_per_run"), f"history: {spec.history.months_per_run} "
                  f"months per run make about {per_run} tasks in each object's attempt, over "
                  f"Digdag's {MAX_TASKS} tasks per attempt; set months_per_run to at most "
                  f"{fit}")


def _check_schedule(schedule, path, err):
    from ..digdag.schedule import problems

    if schedule is None:
        return
    for sub, key, message in problems(schedule):
        yield err(path + sub, f"schedule: {message}", key=key)


def _check_parallel(spec, err):
    values = [(("parallel",), spec.parallel)]
    if spec.history:
        values += [(("history", "parallel"), spec.history.parallel),
                   (("history", "batch_parallel"), spec.history.batch_parallel)]
    for path, value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            yield err(path, f"{'/'.join(path)}: a limit must be at least 1 (or false)")
    if spec.lookback != "0s":
        yield err(("lookback",), "lookback: windows overlap by the lookback, so append loads "
                  "reload those rows (duplicates by design)", level=WARNING)
