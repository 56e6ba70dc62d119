"""Catalog facts of query connectors: the source system runs a query with the window."""

from __future__ import annotations

from .model import (LEGACY, QUERY_LAG, TD_BOXES, TD_TIMESTAMP, Connector, Fact, Param, Window,
                    facts_of)

ALL: list[Connector] = []
_add = ALL.append

_add(Connector(
    type="bigquery_v2", title="Google BigQuery", object_param=None,
    window=Window("query", field=None),
    default_format="sql_server", default_parallel=3, auth="td_authentication_id",
    params={
        "project_id": Param("GCP project that holds the dataset", required=True,
                            source=TD_BOXES + " td_load/bigquery/config/bq.yml (v1 `bigquery`)"),
        "dataset": Param("BigQuery dataset", required=True, scope="any",
                         source=TD_BOXES + " td_load/bigquery/config/bq.yml (v1 `bigquery`)"),
        "location": Param("dataset location (needed outside the US/EU multi-regions)"),
        "export_to_gcs": Param("stage large results through GCS"),
        "max_connection_retry": Param("connection retries (legacy: 10; effect unconfirmed)"),
        "temp_dataset": Param("dataset for temporary tables", scope="any"),
        "temp_table": Param("temporary table", scope="object"),
    },
    objects=(),
    facts={
        **facts_of(TD_BOXES + " (v1 `bigquery`)", True, import_type="query | table",
                 params="project_id, dataset, table, query, export_to_gcs"),
        "type": Fact("bigquery_v2", LEGACY),
        "filtering": Fact("server side: BigQuery runs the query with the window in WHERE",
                          "https://docs.treasuredata.com/int/google-bigquery-import-integration",
                          True),
        "format": Fact("sql_server", LEGACY),
        "views": Fact("import_type: query only (a view cannot be imported as a table)",
                      "https://docs.treasuredata.com/ja/int/google-bigquery-import-integration-v2",
                      True),
    },
    docs="https://docs.treasuredata.com/ja/int/google-bigquery-import-integration-v2",
    load_template="bigquery_v2.yml.j2", incremental_flag=False, scaffold_secrets=("project_id",),
    lag=QUERY_LAG, table_field_type=TD_TIMESTAMP,
    notes=("A view can be imported only with `import_type: query` (TD's BigQuery v2 page): "
           "a full load of a view (`import_type: table`) fails on TD; load a view "
           "incrementally, or import the table behind it.",
           "Set `location` when the dataset is outside the US/EU multi-regions, or the job "
           "fails with 'Cannot find job_id' (TD docs).",),
))

_JDBC = TD_BOXES + " td_load/{}; embulk/embulk-input-jdbc @ a23b50ef"


def _jdbc(type_: str, title: str, box: str, schema: str) -> Connector:
    """A database read through embulk-input-jdbc: host, user and password as secrets; the
    window goes in the query the database runs."""
    source = _JDBC.format(box)
    return Connector(
        type=type_, title=title, object_param=None, window=Window("query"),
        default_format="sql_server", default_parallel=3, auth="secrets",
        params={
            "host": Param("database host", required=True, source=source),
            "port": Param("database port"),
            "user": Param("database user", required=True, source=source),
            "password": Param("database password", secret=True),
            "database": Param("database name", required=True, source=source),
            "schema": Param(schema),
            "options": Param("JDBC options"),
        },
        objects=(),
        facts=facts_of(source, True, type=type_,
                       params="host, port, user, password, database, query"),
        docs="https://docs.treasuredata.com/int/about-database-based-integrations",
        load_template="jdbc.yml.j2", incremental_flag=False,
        scaffold_secrets=("host", "user", "password", "database"),
        lag=QUERY_LAG, table_field_type=TD_TIMESTAMP,
    )


_add(_jdbc("mysql", "MySQL", "mysql", "schema (unused by MySQL)"))
_add(_jdbc("postgresql", "PostgreSQL", "postgresql", "schema (default public)"))
_add(_jdbc("sqlserver", "Microsoft SQL Server", "sql_server/load.yml", "schema (default dbo)"))

_REDSHIFT = TD_BOXES + " td_load/redshift/config/daily_load.yml"
_add(Connector(
    type="redshift", title="Amazon Redshift", object_param=None, window=Window("query"),
    default_format="sql_server", default_parallel=3, auth="td_authentication_id",
    params={
        "database": Param("database name", required=True, source=_REDSHIFT),
        "schema": Param("schema (treasure-boxes: public)"),
    },
    objects=(),
    facts=facts_of(_REDSHIFT, True, type="redshift",
                   params="td_authentication_id, database, schema, query"),
    docs="https://github.com/treasure-data/treasure-boxes/tree/master/td_load/redshift",
    load_template="jdbc.yml.j2", incremental_flag=False,
    lag=QUERY_LAG, table_field_type=TD_TIMESTAMP,
    notes=("Credentials (host, user, password) live in the TD Authentication, as in TD's "
           "example; the key names of inline credentials are not documented publicly.",),
))
