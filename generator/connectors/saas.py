"""Catalog facts of SaaS connectors: Salesforce (the window in SOQL's ``where``), Google Sheets,
Google Drive and OneDrive (full loads)."""

from __future__ import annotations

from .model import (BOXES_URL, TD_BOXES, TD_TIMESTAMP, Connector, Fact, Param, Window,
                    facts_of)

ALL: list[Connector] = []
_add = ALL.append

_SFDC_V2 = TD_BOXES + " td_load/sfdc_v2/config/daily_load.yml"
_SFDC_CLI = ("https://docs.treasuredata.com/ja/int/salesforce-import-integration-cli "
             "(reference/td-connectors.md 7)")
_SFDC_LAG = Fact("5m", "no public figure for when a change is visible to SOQL after its "
                 "LastModifiedDate/SystemModstamp is set (low confidence)")
_SFDC_NOTES = ("The window goes in `where` as `FIELD >= START AND FIELD < END` with SOQL "
               "datetime literals (seconds_z, unquoted); the field must be a datetime field "
               "(LastModifiedDate, SystemModstamp, ...). TD's columns keep Salesforce's case: "
               "check the table field with `tdgen preview`.",
               "The Bulk API allows 10,000 batches per 24 h; set use_rest for big objects "
               "(TD docs).")


def _sfdc_common() -> dict[str, Param]:
    return {
        "soql": Param("SOQL select of this object (the window is added in where)",
                      scope="object"),
        "columns": Param("the schema: a list of {name, type}", scope="any"),
        "include_deleted_records": Param("include deleted records", scope="any"),
        "use_rest": Param("always use the REST API (synchronous transfer)", scope="any"),
        "retry_limit": Param("retries"),
        "retry_initial_wait_sec": Param("first retry wait, seconds"),
    }


_add(Connector(
    type="sfdc_v2", title="Salesforce v2", object_param="target",
    window=Window("where", field=None),
    default_format="seconds_z", default_parallel=3, auth="td_authentication_id",
    params=_sfdc_common(), objects=(),
    facts={**facts_of(_SFDC_V2, True, type="sfdc_v2", object_param="target",
                      window="where (a SOQL condition)",
                      params="target, soql, where, columns, include_deleted_records, use_rest"),
           "format": Fact("seconds_z (SOQL datetime literal, YYYY-MM-DDThh:mm:ssZ)",
                          "Salesforce SOQL reference (datetime literals)")},
    docs="https://docs.treasuredata.com/ja/int/salesforce-import-integration",
    load_template="soql.yml.j2", lag=_SFDC_LAG, table_field_type=TD_TIMESTAMP,
    notes=_SFDC_NOTES,
))

_add(Connector(
    type="sfdc", title="Salesforce (v1)", object_param="target",
    window=Window("where", field=None),
    default_format="seconds_z", default_parallel=3, auth="secrets",
    params={
        **{name: Param(f"{name} (a secret)", required=True, secret=True,
                       source=TD_BOXES + " td_load/sfdc/config/daily_load.yml")
           for name in ("username", "password", "client_id", "client_secret",
                        "security_token", "login_url")},
        **_sfdc_common(),
    },
    objects=(),
    facts={**facts_of(TD_BOXES + " td_load/sfdc/config/daily_load.yml", True, type="sfdc",
                      object_param="target",
                      credentials="username, password, client_id, client_secret, "
                                  "security_token, login_url"),
           "window": Fact("where (a SOQL condition), as for sfdc_v2", _SFDC_CLI)},
    docs="https://docs.treasuredata.com/ja/int/salesforce-import-integration-cli",
    load_template="soql.yml.j2", lag=_SFDC_LAG, table_field_type=TD_TIMESTAMP,
    notes=_SFDC_NOTES,
))

_SHEETS = TD_BOXES + " td_load/google_sheet/config/*.yml"
_add(Connector(
    type="google_sheets", title="Google Sheets", object_param="worksheet_title",
    window=Window("none"), default_format=None, default_parallel=3,
    auth="td_authentication_id",
    params={
        "spreadsheets_url": Param("URL of the spreadsheet", required=True, source=_SHEETS),
        "key": Param("the spreadsheet key"),
        "start_row": Param("first row read (1)", scope="any"),
        "major_dimension": Param("ROWS | COLUMNS", scope="any"),
        "value_render_option": Param("FORMATTED_VALUE | ...", scope="any"),
        "datetime_render_option": Param("FORMATTED_STRING | ...", scope="any"),
        "null_string": Param("the string read as null", scope="any"),
        "default_typecast": Param("strict | ...", scope="any"),
        "columns": Param("the schema: a list of {name, type}", required=True, scope="any",
                         source=_SHEETS + " (both examples list them)"),
    },
    objects=(),
    facts={**facts_of(_SHEETS, True, type="google_sheets", object_param="worksheet_title",
                      filtering="none: a worksheet is read whole; full loads only")},
    docs=BOXES_URL + "google_sheet",
    incremental_flag=False,
))


def _drive(type_: str, title: str, object_param: str, params: dict[str, Param],
           **kwargs) -> Connector:
    """A file store behind a TD Authentication, read whole: the object is ``object_param``."""
    source = f"{TD_BOXES} td_load/{type_}/config/daily_load.yml"
    parser = Param("Embulk parser block (type, delimiter, skip_header_lines, columns)",
                   required=True, scope="any", source=source)
    return Connector(
        type=type_, title=title, object_param=object_param, window=Window("none"),
        default_format=None, default_parallel=3, auth="td_authentication_id",
        params={**params, "parser": parser}, objects=(),
        facts=facts_of(source, True, type=type_, object_param=object_param,
                       filtering="none: full loads only"),
        docs=BOXES_URL + type_, incremental_flag=False, **kwargs)


_add(_drive("google_drive", "Google Drive (files)", "id", {
    "target": Param("file (treasure-boxes)"),
    "last_modified_time": Param("only files modified after this", scope="any"),
    "maximum_retries": Param("retries"),
    "decoders": Param("Embulk decoders", scope="any"),
}, scaffold_params={"target": "file"}))

_add(_drive("one_drive", "OneDrive (files)", "folder_path", {
    "account_type": Param("personal | business (treasure-boxes)"),
    "is_shared_folder": Param("the folder is shared", scope="any"),
    "name_match_pattern": Param("regular expression the file names match", scope="any"),
}))
