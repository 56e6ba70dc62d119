"""The operators the local engine runs: ``echo>``, ``fail>``, ``td>``, ``td_load>``,
``td_ddl>``. Each returns the store params it sets (``td.last_results``, ``td.last_job``)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import yaml

from ..digdag.evaluate import render
from ..yamlpos import safe_load
from .connector import ConnectorError

NOT_MODELLED_TD = ("insert_into", "create_table", "download_file", "result_url",
                   "result_connection", "result_settings")


class OperatorError(Exception):
    pass


def run_operator(op: str, params: dict, interpreter, ctx) -> dict:
    handler = {"echo>": _echo, "fail>": _fail, "td>": _td, "td_load>": _td_load,
               "td_ddl>": _td_ddl}.get(op)
    if handler is None:
        raise OperatorError(f"{op} is not modelled by the local engine (it runs echo>, fail>, "
                            "td>, td_load>, td_ddl>, if>, for_each>, loop>, call>)")
    return handler(params, interpreter, ctx)


def _echo(params, interpreter, ctx) -> dict:
    interpreter.echo(f"{ctx.name}: {params['echo>']}")
    return {}


def _fail(params, interpreter, ctx) -> dict:
    raise OperatorError(str(params["fail>"]))


def _database(params: dict) -> str:
    td = params.get("td") if isinstance(params.get("td"), dict) else {}
    database = params.get("database") or td.get("database")
    if not database:
        raise OperatorError("database is required: set database or _export: {td: {database}}")
    return str(database)


def _read(interpreter, ctx, rel: str) -> str:
    path = PurePosixPath(ctx.workdir or ".") / rel
    target = (interpreter.project / path).resolve()
    if not target.is_relative_to(interpreter.project.resolve()):
        raise OperatorError(f"{path}: outside the project")
    if not target.is_file():
        raise OperatorError(f"{path}: no such file")
    return target.read_text(encoding="utf-8")


def _job(interpreter, records: int) -> dict:
    job_id = str(interpreter.services.next_job_id())
    return {"td": {"last_job_id": job_id, "last_job": {"id": job_id, "num_records": records}}}


def _td(params, interpreter, ctx) -> dict:
    for key in NOT_MODELLED_TD:
        if key in params:
            raise OperatorError(f"td> {key} is not modelled by the local engine")
    if str(params.get("engine", "presto")).lower() not in ("presto", "trino"):
        raise OperatorError("td> engine: hive is not modelled by the local engine")
    command = params.get("td>")
    if isinstance(command, str) and command:
        sql = render(_read(interpreter, ctx, command), params)
    elif isinstance(command, dict) and "data" in command:
        sql = str(command["data"])
    elif params.get("query"):
        sql = str(params["query"])
    else:
        raise OperatorError("td>: no query (a file, {data: ...} or query:)")
    _database(params)
    services = interpreter.services
    try:
        result = services.engine.execute(sql, scheduled_time=params["session_unixtime"],
                                         now=interpreter.now())
    except Exception as exc:  # the engine's own error, reported as TD reports a failed job
        raise OperatorError(f"Query failed: {exc}") from None
    delta = _job(interpreter, len(result.rows))
    if params.get("store_last_results") in (True, "true"):
        delta["td"]["last_results"] = result.first_row_dict()
    return delta


def _td_load(params, interpreter, ctx) -> dict:
    command = params.get("td_load>")
    if not isinstance(command, str) or not command.endswith((".yml", ".yaml")):
        raise OperatorError("td_load> of a saved data connector is not modelled by the local "
                            "engine (use a YAML config file)")
    database = _database(params)
    table = params.get("table")
    if not table:
        raise OperatorError("td_load> with a YAML config needs table")
    text = render(_read(interpreter, ctx, command), params)
    text = re.sub(r"\$\{secret:([^}]+)\}", lambda m: interpreter.services.secret(m.group(1)),
                  text)
    try:
        config = safe_load(text)
    except yaml.YAMLError as exc:
        raise OperatorError(f"{command}: invalid YAML after substitution: {exc}") from None
    if "." in str(table):
        database, table = str(table).split(".", 1)
    services = interpreter.services
    try:
        rows = services.connector.load(config, database, str(table), interpreter.now())
    except ConnectorError as exc:
        raise OperatorError(f"TD job failed: {exc}") from None
    return _job(interpreter, rows)


def _td_ddl(params, interpreter, ctx) -> dict:
    database = _database(params)
    engine = interpreter.services.engine
    for table in _list(params.get("drop_tables")):
        engine.drop_table(database, table)
    for table in _list(params.get("empty_tables")):
        engine.empty_table(database, table)
    for table in _list(params.get("create_tables")):
        engine.create_table(database, table)
    for key in ("rename_tables", "create_databases", "drop_databases", "empty_databases"):
        if params.get(key):
            raise OperatorError(f"td_ddl> {key} is not modelled by the local engine")
    return {}


def _list(value) -> list:
    import json

    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return list(value)
