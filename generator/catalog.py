"""The connector catalog: what the generator knows of each TD input connector.

Every fact carries where it comes from. ``confirmed`` facts come from TD's documentation, a TD
repository or the open-source plugin the connector is built on; the others are known only from
the legacy templates (see ``reference/td-connectors.md``) and are marked unconfirmed in the
generated docs, so an engineer knows what to verify with ``td connector:guess``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEGACY = "legacy templates (treasure-data/aps_claude_tools), unconfirmed by TD docs"
TD_BOXES = "TD repository treasure-data/treasure-boxes"


@dataclass(frozen=True)
class Fact:
    value: object
    source: str
    confirmed: bool = False


@dataclass(frozen=True)
class Param:
    """A connector parameter the generator accepts in a spec's ``params`` or ``secrets``."""

    description: str
    required: bool = False
    secret: bool = False
    scope: str = "source"  # source | object | any


INCLUSIVE, EXCLUSIVE, UNKNOWN = "inclusive", "exclusive", "unknown"


@dataclass(frozen=True)
class Bounds:
    """How a connector applies the window it is given, each fact with its source.

    ``start``/``end``: ``inclusive``, ``exclusive`` or ``unknown``; ``precision``: the unit the
    connector compares at (``seconds``, ``milliseconds``, ``microseconds``, ``days``, or
    ``unknown``); ``future_end``: what an end later than the connector host's clock does
    (``fine``, ``lost`` — nothing is imported and the job still succeeds — or ``unknown``).
    """

    start: Fact
    end: Fact
    precision: Fact
    future_end: Fact

    @property
    def start_step_back(self) -> bool:
        """Pass ``start - 1 step``: the start is exclusive, or may be (cannot lose a row)."""
        return self.start.value in (EXCLUSIVE, UNKNOWN)

    @property
    def end_step_back(self) -> bool:
        """Pass ``end - 1 step``: only when the end is known to be inclusive (an unknown end
        keeps ``end``, which cannot lose a row)."""
        return self.end.value == INCLUSIVE

    @property
    def exact(self) -> bool:
        """Both bounds known: each row is loaded once; otherwise rows exactly at a boundary
        may load twice."""
        return UNKNOWN not in (self.start.value, self.end.value)


OURS = "the generated query (WHERE field >= start AND field < end)"


def _query_bounds() -> Bounds:
    return Bounds(Fact(INCLUSIVE, OURS, True), Fact(EXCLUSIVE, OURS, True),
                  Fact("column", OURS, True),
                  Fact("fine", "the source database filters; a future end selects nothing "
                       "beyond what exists", True))


@dataclass(frozen=True)
class Window:
    """How a connector is told the window ``[start, end)``.

    ``style``: ``params`` (start/end parameters), ``query`` (the window goes in a SQL query the
    source system runs) or ``none`` (no server-side time filter: full loads only).
    """

    style: str
    start: str | None = None
    end: str | None = None
    field: str | None = None
    bounds: Bounds | None = None


@dataclass(frozen=True)
class Connector:
    type: str
    title: str
    object_param: str | None
    window: Window
    default_format: str | None
    default_parallel: bool | int
    auth: str  # td_authentication_id | secrets
    params: dict[str, Param]
    objects: tuple[str, ...]
    facts: dict[str, Fact]
    docs: str
    load_template: str = "default.yml.j2"
    incremental_flag: bool = True
    scaffold_secrets: tuple[str, ...] = ()
    # object -> (table field, connector field, connector takes the field), or None: full load
    object_fields: dict[str, tuple[str, str, bool] | None] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # rows become visible after their timestamp: windows end this long before now
    lag: Fact = field(default_factory=lambda: Fact("0s", "no evidence of late rows"))
    # what the table field holds in TD: `format` (strings in the source's format) or
    # `td_timestamp` (TD's storage of timestamp columns, %Y-%m-%d %H:%M:%S.%3N)
    table_field_type: Fact = field(default_factory=lambda: Fact("format", "API strings"))

    @property
    def bounds(self) -> Bounds | None:
        if self.window.style == "query":
            return _query_bounds()
        return self.window.bounds

    @property
    def filters_server_side(self) -> bool:
        return self.window.style != "none"

    @property
    def generated_params(self) -> set[str]:
        """Parameters the generator writes itself; a spec may not set them."""
        names = {"type", "incremental", "td_authentication_id", self.object_param,
                 self.window.start, self.window.end, self.window.field}
        if self.window.style == "query":
            names |= {"query", "import_type", "table"}
        return {n for n in names if n}


def _facts(source: str, confirmed: bool = False, **values) -> dict[str, Fact]:
    return {name: Fact(value, source, confirmed) for name, value in values.items()}


_ZD = "treasure-data/embulk-input-zendesk @ 7aad7a0d, "
_QUERY_LAG = Fact("10m", "a row's timestamp is set when its statement runs and it becomes "
                  "visible when its transaction commits, later (no figure for the source)")
_TD_TIMESTAMP = Fact("td_timestamp", "TD stores timestamp columns of query sources as "
                     "'%Y-%m-%d %H:%M:%S.%3N' strings (embulk-output-td)", True)
_AUTH_ID = Param("id of a TD Authentication holding the credentials", scope="source")

CONNECTORS: dict[str, Connector] = {}


def _add(c: Connector) -> None:
    CONNECTORS[c.type] = c


_UNKNOWN_TD = ("TD's connector is closed source and no public YAML reference states it "
               "(reference/td-connectors.md 17.1)")


def _unknown_bounds(api_hint: str, precision: str) -> Bounds:
    return Bounds(Fact(UNKNOWN, f"{_UNKNOWN_TD}; {api_hint}"),
                  Fact(UNKNOWN, f"{_UNKNOWN_TD}; {api_hint}"),
                  Fact(precision, "the source's timestamp format"),
                  Fact(UNKNOWN, _UNKNOWN_TD))


_add(Connector(
    type="klaviyo", title="Klaviyo", object_param="data_source",
    window=Window("params", "start_time", "end_time", "incremental_field", _unknown_bounds(
        "Klaviyo's own API filters datetime >= start and < end (third-party description: "
        "trocco docs data-source-klaviyo.md); whether TD passes them through is unknown",
        "microseconds")),
    default_format="micros_no_zone", default_parallel=3, auth="td_authentication_id",
    params={"skip_related_objects": Param("do not fetch related objects (events)", scope="any")},
    objects=("events", "templates", "campaigns", "lists", "profiles", "metrics"),
    object_fields={"events": ("datetime", "datetime", False),
                   "templates": ("updated", "updated", True), "lists": ("updated", "updated", True),
                   "profiles": ("updated", "updated", True),
                   "campaigns": ("updated_at", "updated", True), "metrics": None},
    facts={
        **_facts(LEGACY, type="klaviyo", object_param="data_source",
                 window="start_time, end_time, incremental_field", format="micros_no_zone",
                 skip_related_objects="accepted for events"),
        "auth": Fact("td_authentication_id (private API key in a TD Authentication)",
                     "https://docs.treasuredata.com/int/klaviyo-import-integration", True),
        "parallel": Fact(3, "legacy project choice (Klaviyo returns HTTP 429 over its limits)"),
    },
    docs="https://docs.treasuredata.com/int/klaviyo-import-integration",
    lag=Fact("10m", "Klaviyo accepts events asynchronously (its Create Event API answers 202 "
             "Accepted and processes later); no public figure for the delay"),
))

_add(Connector(
    type="shopify_v2", title="Shopify v2", object_param="target",
    window=Window("params", "from_date", "to_date", "incremental_field", _unknown_bounds(
        "Shopify's own REST *_max filters are 'at or before' (inclusive)", "milliseconds")),
    default_format="millis_z", default_parallel=3, auth="td_authentication_id",
    params={"include_image": Param("include product images", scope="any")},
    objects=("products", "product_variants"),
    object_fields={"products": ("updated_at", "updated_at", True),
                   "product_variants": ("updated_at", "updated_at", True)},
    facts={
        **_facts(LEGACY, type="shopify_v2", window="from_date, to_date, incremental_field",
                 format="millis_z", include_image="accepted"),
        "object_param": Fact("target", f"{TD_BOXES} (Shopify v1 uses target)", True),
        "objects": Fact("products, product_variants (and metafields)",
                        "https://docs.treasuredata.com/ja/int/shopify-import-integration-v2", True),
        "variants_updated_at_only": Fact(
            "product_variants load incrementally only by updated_at",
            "https://docs.treasuredata.com/ja/int/shopify-import-custom-query-integration-v2",
            True),
    },
    docs="https://docs.treasuredata.com/ja/int/shopify-import-integration-v2",
    lag=Fact("5m", "no public figure; a margin for Shopify's asynchronous indexing of updates "
             "(low confidence)"),
    notes=("Product variants support incremental loading by updated_at only (TD docs): "
           "load their history by updated_at too.",),
))

_add(Connector(
    type="onetrust", title="OneTrust", object_param="data_type",
    window=Window("params", "start_time", "end_time", "incremental_field", _unknown_bounds(
        "no API-side description found", "milliseconds")),
    default_format="millis_z", default_parallel=3, auth="secrets",
    params={
        "base_url": Param("OneTrust API base URL", required=True, secret=True),
        "auth_method": Param("authentication method (legacy: oauth)"),
        "access_token": Param("OAuth access token; short-lived (1 h by default)", secret=True),
        "thread_count": Param("connector threads (legacy: 5)"),
        "collection_point_guid": Param("only this collection point", scope="any"),
    },
    objects=("data_subject_profile", "collection_point"),
    object_fields={"data_subject_profile": ("updated_date", "updated_date", True),
                   "collection_point": ("updated_date", "updated_date", True)},
    facts={
        **_facts(LEGACY, type="onetrust", object_param="data_type",
                 window="start_time, end_time, incremental_field", format="millis_z",
                 thread_count=5, auth_params="base_url, auth_method: oauth, access_token"),
        "auth": Fact("API key, or an OAuth access token that expires (default 1 hour)",
                     "https://docs.treasuredata.com/int/onetrust-import-integration", True),
    },
    docs="https://docs.treasuredata.com/int/onetrust-import-integration",
    lag=Fact("5m", "no public figure; a margin for late consent records (low confidence)"),
    scaffold_secrets=("base_url", "access_token"),
    notes=("OAuth access tokens are short-lived (TD docs): a static access_token secret "
           "expires unless it was created with a long lifetime; prefer a TD Authentication.",),
))

_add(Connector(
    type="bigquery_v2", title="Google BigQuery", object_param=None,
    window=Window("query", field=None),
    default_format="sql_server", default_parallel=3, auth="td_authentication_id",
    params={
        "project_id": Param("GCP project that holds the dataset", required=True),
        "dataset": Param("BigQuery dataset", required=True, scope="any"),
        "location": Param("dataset location (needed outside the US/EU multi-regions)"),
        "export_to_gcs": Param("stage large results through GCS"),
        "max_connection_retry": Param("connection retries (legacy: 10; effect unconfirmed)"),
        "temp_dataset": Param("dataset for temporary tables", scope="any"),
        "temp_table": Param("temporary table", scope="object"),
    },
    objects=(),
    facts={
        **_facts(TD_BOXES + " (v1 `bigquery`)", True, import_type="query | table",
                 params="project_id, dataset, table, query, export_to_gcs"),
        "type": Fact("bigquery_v2", LEGACY),
        "filtering": Fact("server side: BigQuery runs the query with the window in WHERE",
                          "https://docs.treasuredata.com/int/google-bigquery-import-integration",
                          True),
        "format": Fact("sql_server", LEGACY),
    },
    docs="https://docs.treasuredata.com/ja/int/google-bigquery-import-integration-v2",
    load_template="bigquery_v2.yml.j2", incremental_flag=False,
    lag=_QUERY_LAG, table_field_type=_TD_TIMESTAMP,
    notes=("Set `location` when the dataset is outside the US/EU multi-regions, or the job "
           "fails with 'Cannot find job_id' (TD docs).",),
))

_add(Connector(
    type="sftp_v2", title="SFTP (files)", object_param=None,
    window=Window("none"), default_format=None, default_parallel=3, auth="secrets",
    params={
        "host": Param("SFTP host", required=True),
        "port": Param("SFTP port (22)"),
        "auth_method": Param("password | public_key"),
        "user": Param("user name", required=True),
        "password": Param("password", secret=True),
        "secret_key_file": Param("private key", secret=True),
        "user_directory_is_root": Param("paths are relative to the user's home"),
        "timeout": Param("seconds"),
        "path_prefix": Param("file path prefix of this object", required=True, scope="object"),
        "parser": Param("Embulk parser block (csv, columns, ...)", required=True, scope="any"),
        "decoders": Param("Embulk decoders (gzip, bzip2)", scope="any"),
    },
    objects=(),
    facts={
        **_facts(LEGACY, type="sftp_v2",
                 params="host, port, auth_method, user, password, user_directory_is_root, "
                        "timeout, path_prefix, parser"),
        "filtering": Fact("none: files are listed by path prefix; full loads only", LEGACY),
    },
    docs="https://docs.treasuredata.com/int/sftp-server-import-integration-v2",
    incremental_flag=False, scaffold_secrets=("host", "user", "password"),
))

_add(Connector(
    type="s3_v2", title="Amazon S3 v2 (files)", object_param=None,
    window=Window("none"), default_format=None, default_parallel=3, auth="td_authentication_id",
    params={
        "bucket": Param("S3 bucket", required=True),
        "path_prefix": Param("object key prefix of this object", required=True, scope="object"),
        "path_match_pattern": Param("regular expression the keys must match", scope="any"),
        "region": Param("AWS region"),
        "parser": Param("Embulk parser block", required=True, scope="any"),
        "decoders": Param("Embulk decoders", scope="any"),
    },
    objects=(),
    facts=_facts(TD_BOXES + "; embulk/embulk-input-s3", True, type="s3_v2",
                 params="bucket, path_prefix, path_match_pattern, parser"),
    docs="https://docs.treasuredata.com/int/amazon-s3-import-integration-v2",
    incremental_flag=False,
))

_add(Connector(
    type="zendesk", title="Zendesk", object_param="target",
    window=Window("params", "start_time", "end_time", None, Bounds(
        Fact(EXCLUSIVE, _ZD + "ZendeskNormalServices.java: records whose updated_at is at or "
             "before start_time are skipped client side", True),
        Fact(INCLUSIVE, _ZD + "ZendeskNormalServices.java: only records after end_time are "
             "dropped; the plugin's next start is end_time + 1 s", True),
        Fact("seconds", _ZD + "times are whole seconds", True),
        Fact("lost", _ZD + "ZendeskInputPlugin.java: an end_time after the host's clock imports "
             "0 records and the job succeeds", True))),
    default_format="seconds_z", default_parallel=3, auth="secrets",
    params={
        "login_url": Param("https://<subdomain>.zendesk.com", required=True),
        "auth_method": Param("basic | token | oauth"),
        "username": Param("user (basic, token)", secret=True),
        "token": Param("API token", secret=True),
        "password": Param("password", secret=True),
        "access_token": Param("OAuth token", secret=True),
        "includes": Param("related data to include", scope="any"),
        "dedup": Param("drop duplicate ids in memory (default true)", scope="any"),
    },
    objects=("tickets", "ticket_events", "users", "organizations", "ticket_metrics", "scores"),
    object_fields={"tickets": ("updated_at", "updated_at", False),
                   "users": ("updated_at", "updated_at", False),
                   "organizations": ("updated_at", "updated_at", False)},
    facts={
        **_facts("treasure-data/embulk-input-zendesk; " + TD_BOXES, True, type="zendesk",
                 object_param="target", window="start_time, end_time"),
    },
    docs="https://docs.treasuredata.com/int/zendesk-import-integration",
    lag=Fact("5m", "the plugin imports nothing (and succeeds) for an end after the connector "
             "host's clock (embulk-input-zendesk ZendeskInputPlugin.java); the window must stay "
             "behind that clock and Zendesk's own export delay", True),
    scaffold_secrets=("login_url", "username", "token"),
))

for _jdbc, _title in (("mysql", "MySQL"), ("postgresql", "PostgreSQL")):
    _add(Connector(
        type=_jdbc, title=_title, object_param=None, window=Window("query"),
        default_format="sql_server", default_parallel=3, auth="secrets",
        params={
            "host": Param("database host", required=True),
            "port": Param("database port"),
            "user": Param("database user", required=True),
            "password": Param("database password", secret=True),
            "database": Param("database name", required=True),
            "schema": Param("schema (PostgreSQL)"),
            "options": Param("JDBC options"),
        },
        objects=(),
        facts=_facts(TD_BOXES + "; embulk/embulk-input-jdbc", True, type=_jdbc,
                     params="host, port, user, password, database, query"),
        docs="https://docs.treasuredata.com/int/about-database-based-integrations",
        load_template="jdbc.yml.j2", incremental_flag=False,
        scaffold_secrets=("host", "user", "password", "database"),
        lag=_QUERY_LAG, table_field_type=_TD_TIMESTAMP,
    ))


def get(connector_type: str) -> Connector | None:
    return CONNECTORS.get(connector_type)
