"""Catalog facts of API connectors with time-window parameters."""

from __future__ import annotations

from .model import (EXCLUSIVE, INCLUSIVE, LEGACY, TD_BOXES, Bounds, Connector, Fact, Param,
                    Window, facts_of, unknown_bounds)

ALL: list[Connector] = []
_add = ALL.append
_ZD = "treasure-data/embulk-input-zendesk @ 7aad7a0d, "

_add(Connector(
    type="klaviyo", title="Klaviyo", object_param="data_source",
    window=Window("params", "start_time", "end_time", "incremental_field", unknown_bounds(
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
        **facts_of(LEGACY, type="klaviyo", object_param="data_source",
                 window="start_time, end_time, incremental_field", format="micros_no_zone",
                 skip_related_objects="accepted for events"),
        "auth": Fact("td_authentication_id (private API key in a TD Authentication)",
                     "https://docs.treasuredata.com/int/klaviyo-import-integration", True),
        "parallel": Fact(3, "legacy project choice (Klaviyo returns HTTP 429 over its limits)"),
        "campaigns_field": Fact(
            "updated / created (the connector field passed for campaigns)",
            "legacy templates; Klaviyo's own API filters campaigns on updated_at / created_at: "
            "which name TD's connector expects is unconfirmed either way"),
    },
    docs="https://docs.treasuredata.com/int/klaviyo-import-integration",
    notes=("Campaigns: the spec passes the connector field `updated` / `created`, while "
           "Klaviyo's API filters campaigns on `updated_at` / `created_at`; which one TD's "
           "connector expects is unconfirmed either way: confirm it with `tdgen preview` "
           "before the first run.",),
    lag=Fact("10m", "Klaviyo accepts events asynchronously (its Create Event API answers 202 "
             "Accepted and processes later); no public figure for the delay"),
))

_add(Connector(
    type="shopify_v2", title="Shopify v2", object_param="target",
    window=Window("params", "from_date", "to_date", "incremental_field", unknown_bounds(
        "Shopify's own REST *_max filters are 'at or before' (inclusive)", "milliseconds")),
    default_format="millis_z", default_parallel=3, auth="td_authentication_id",
    params={"include_image": Param("include product images", scope="any")},
    objects=("products", "product_variants"),
    object_fields={"products": ("updated_at", "updated_at", True),
                   "product_variants": ("updated_at", "updated_at", True)},
    facts={
        **facts_of(LEGACY, type="shopify_v2", window="from_date, to_date, incremental_field",
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
    window=Window("params", "start_time", "end_time", "incremental_field", unknown_bounds(
        "no API-side description found", "milliseconds")),
    default_format="millis_z", default_parallel=3, auth="secrets",
    params={
        "base_url": Param("OneTrust API base URL", required=True, secret=True,
                          source=LEGACY + " (required there; no public YAML reference)"),
        "auth_method": Param("authentication method (legacy: oauth)"),
        "access_token": Param("OAuth access token; short-lived (1 h by default)", secret=True),
        "thread_count": Param("connector threads (legacy: 5)"),
        "collection_point_guid": Param("only this collection point", scope="any"),
    },
    objects=("data_subject_profile", "collection_point"),
    object_fields={"data_subject_profile": ("updated_date", "updated_date", True),
                   "collection_point": ("updated_date", "updated_date", True)},
    facts={
        **facts_of(LEGACY, type="onetrust", object_param="data_type",
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
        "login_url": Param("https://<subdomain>.zendesk.com", required=True,
                           source=_ZD + "ZendeskInputPlugin.java"),
        "auth_method": Param("basic | token | oauth (basic, the plugin's default, needs "
                             "password)", required=True, source=_ZD + "ZendeskInputPlugin.java; "
                             "reference/td-connectors.md 17.2"),
        "columns": Param("the schema: a list of {name, type} (from tdgen guess or the docs)",
                         required=True, scope="any", source=_ZD + "@Config(\"columns\") has "
                         "no default; treasure-boxes td_load/zendesk README lists it required"),
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
        **facts_of("treasure-data/embulk-input-zendesk; " + TD_BOXES, True, type="zendesk",
                 object_param="target", window="start_time, end_time"),
    },
    docs="https://docs.treasuredata.com/int/zendesk-import-integration",
    lag=Fact("5m", "the plugin imports nothing (and succeeds) for an end after the connector "
             "host's clock (embulk-input-zendesk ZendeskInputPlugin.java); the window must stay "
             "behind that clock and Zendesk's own export delay", True),
    scaffold_secrets=("login_url", "username", "token"),
    scaffold_params={"auth_method": "token"},
))
