"""Catalog facts of connectors whose window is whole days: a first day (``from_date``) and a
number of days (``fetch_days``).

The generator gives them windows of whole days in the project's time zone (tdgen.yml
``timezone``): a window ``[d1, d2)`` is passed as ``from_date: d1`` and ``fetch_days: d2 - d1``
(days), and ends at the start of today there, less the lag, so only complete days are loaded.
"""

from __future__ import annotations

from .model import (EXCLUSIVE, INCLUSIVE, TD_BOXES, UNKNOWN, Bounds, Connector, Fact, Param,
                    Window, facts_of)

ALL: list[Connector] = []
_add = ALL.append

_MKTO = "treasure-data/embulk-input-marketo @ 6b6884db (reference/td-connectors.md 8)"
_MKTO_BOXES = TD_BOXES + " td_load/marketo/config/daily_load_activity.yml"
_MXP = "treasure-data/embulk-input-mixpanel "
_MXP_BOXES = TD_BOXES + " td_load/mixpanel/config/daily_load.yml and daily_load.dig"
_DAYS = "days"

_add(Connector(
    type="marketo", title="Marketo", object_param="target",
    window=Window(_DAYS, start="from_date", days="fetch_days", day_zone="UTC", bounds=Bounds(
        Fact(INCLUSIVE, _MKTO + ": from_date is the first instant of the range", True),
        Fact(UNKNOWN, _MKTO + ": the range ends at from_date + fetch_days (capped at the job "
             "start); whether Marketo's bulk-extract filter includes that instant is not "
             "documented (a row exactly at midnight may load twice, none is lost)"),
        Fact("days", _MKTO + ": fetch_days counts days; TD's example passes a date as "
             "from_date", True),
        Fact("fine", _MKTO + ": the end is capped at the job's start time, so a window in the "
             "past is read whole", True))),
    default_format="date", default_parallel=3, auth="secrets",
    params={
        "account_id": Param("Munchkin account id", required=True, secret=True,
                            source=_MKTO_BOXES),
        "client_id": Param("REST API client id", required=True, secret=True,
                           source=_MKTO_BOXES),
        "client_secret": Param("REST API client secret", required=True, secret=True,
                               source=_MKTO_BOXES),
        "activity_type_ids": Param("only these activity types (activity)", scope="any"),
        "use_updated_at": Param("lead: filter on updatedAt (no incremental mode)",
                                scope="any"),
        "bulk_job_timeout_second": Param("bulk extract timeout (TD example: 7200)"),
        "polling_interval_second": Param("bulk extract polling interval (60)"),
        "escape": Param("CSV escape character of the bulk extract", scope="any"),
        "quote": Param("CSV quote character of the bulk extract", scope="any"),
        "partner_api_key": Param("Marketo partner API key", secret=True),
    },
    objects=("activity", "lead"),
    object_fields={"activity": ("activitydate", "activityDate", False),
                   "lead": ("createdat", "createdAt", False)},
    facts={
        **facts_of(_MKTO_BOXES + "; " + _MKTO, True, type="marketo", object_param="target",
                   window="from_date + fetch_days (days)",
                   auth_params="account_id, client_id, client_secret"),
        "targets": Fact("lead and activity filter by date on Marketo's side (bulk extract); "
                        "campaign, program, program_members and custom_object do not take "
                        "from_date", _MKTO, True),
        "day_zone": Fact("UTC: a date without an offset is read as a UTC day", "assumed: the "
                         "plugin reads from_date as ISO 8601, and a date carries no offset; "
                         "unconfirmed"),
        "slices": Fact("the plugin splits the range into slices of at most 30 days itself, "
                       "so a long catch-up window needs no cap", _MKTO, True),
        "table_field": Fact("activitydate / createdat: Marketo's ISO 8601 strings",
                            "Marketo's bulk extract CSV columns; TD's column names lower-cased "
                            "(treasure-boxes applies a rename filter, unconfirmed without it)"),
    },
    docs="https://docs.treasuredata.com/int/marketo-import-integration",
    lag=Fact("1h", "no public figure for Marketo's delay before an activity or a lead is in a "
             "bulk extract; an hour after the day ends (low confidence)"),
    table_field_type=Fact("iso8601", "Marketo returns ISO 8601 date-times with an offset"),
    scaffold_secrets=("account_id", "client_id", "client_secret"),
    notes=("Day windows: from_date is the window's first day and fetch_days its length in "
           "days, so a catch-up after downtime loads every missing day in one load.",
           "Marketo is assumed to read a date as a UTC day: keep tdgen.yml `timezone: UTC` for "
           "a Marketo source, or days at the boundaries may be loaded twice or missed.",
           "Marketo allows 100 API calls per 20 seconds; keep parallel low.",),
))

_add(Connector(
    type="mixpanel", title="Mixpanel", object_param=None,
    window=Window(_DAYS, start="from_date", days="fetch_days", zone_param="timezone",
                  bounds=Bounds(
        Fact(INCLUSIVE, _MXP + "lib/range_generator.rb: the range starts at from_date", True),
        Fact(EXCLUSIVE, _MXP + "lib/range_generator.rb: from_date..(from_date + fetch_days - 1)"
             ", whole days", True),
        Fact("days", _MXP + "lib/range_generator.rb: dates (Date.parse)", True),
        Fact("lost", _MXP + "lib/range_generator.rb: days after the connector host's today are "
             "dropped with a warning", True))),
    default_format="date", default_parallel=3, auth="secrets",
    params={
        "api_secret": Param("project API secret", required=True, secret=True,
                            source=_MXP + "lib/embulk/input/service/export_service.rb "
                            "(config.param(:api_secret) has no default)"),
        "api_key": Param("project API key (older plugin versions)", secret=True),
        "columns": Param("the schema: a list of {name, type} (from tdgen guess or the docs)",
                         required=True, scope="any",
                         source=_MXP + "lib/embulk/input/service/export_service.rb "
                         "(config.param(:columns) has no default)"),
        "event": Param("only these events", scope="any"),
        "where": Param("Mixpanel segmentation expression", scope="any"),
        "bucket": Param("data bucket", scope="any"),
        "slice_range": Param("days per export request (7)"),
        "fetch_custom_properties": Param("collect unknown properties in one column (true)",
                                         scope="any"),
    },
    objects=("events",),
    object_fields={"events": ("time_", "time", False)},
    facts={
        **facts_of(_MXP_BOXES, True, type="mixpanel",
                   window="from_date + fetch_days (days)",
                   auth_params="api_key, api_secret (secrets), timezone"),
        "timezone": Fact("required: the Mixpanel project's time zone; its days are days there",
                         _MXP + "README.md and lib/embulk/input/service/base_service.rb "
                         "(TimezoneValidator; export dates are the project's days)", True),
        "object_param": Fact("none: the export reads every event (event, where filter it)",
                             _MXP + "lib/embulk/input/service/export_service.rb", True),
        "table_field": Fact("time_: Mixpanel's event time (unix seconds, made UTC by the "
                            "plugin), renamed by add_time, which writes `time`",
                            "embulk-filter-add_time renames an existing time column to time_ "
                            "(reference/td-connectors.md 17.2)", True),
    },
    docs="https://github.com/treasure-data/treasure-boxes/tree/master/td_load/mixpanel",
    lag=Fact("2h", "no public figure for Mixpanel's ingestion delay into its export API; two "
             "hours after the day ends (low confidence)"),
    table_field_type=Fact("unixtime", _MXP + "export_service.rb: time is an integer", True),
    scaffold_secrets=("api_secret",),
    incremental_flag=False,
    notes=("The generator writes `timezone` from tdgen.yml's `timezone`: the Mixpanel "
           "project's time zone must be that zone, since the day windows are days there.",
           "The plugin's own incremental state (latest_fetched_time) is not used: td_load> "
           "from a YAML file keeps no state, and the window is passed explicitly.",),
))
