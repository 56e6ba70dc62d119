"""The connector catalog's model: facts with their sources, parameters, bounds, windows.

Every fact carries where it comes from. ``confirmed`` facts come from TD's documentation, a TD
repository or the open-source plugin the connector is built on; the others are known only from
the legacy templates (see ``reference/td-connectors.md``) and are marked unconfirmed in the
generated docs, so an engineer knows what to verify with ``tdgen preview``.
"""

from __future__ import annotations

from dataclasses import dataclass, field



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
    # a secret the connector takes as a mapping {wrap: value} (SFTP's secret_key_file)
    wrap: str | None = None
    # where the parameter's name (and that it is required) comes from
    source: str = ""


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


OURS = "the generated query or condition (field >= start AND field < end)"


def query_bounds() -> Bounds:
    return Bounds(Fact(INCLUSIVE, OURS, True), Fact(EXCLUSIVE, OURS, True),
                  Fact("column", OURS, True),
                  Fact("fine", "the source database filters; a future end selects nothing "
                       "beyond what exists", True))


@dataclass(frozen=True)
class Window:
    """How a connector is told the window ``[start, end)``.

    ``style``: ``params`` (start/end parameters), ``query`` (the window goes in a SQL query the
    source system runs), ``where`` (the window goes in the connector's SOQL ``where``
    condition), ``days`` (whole days: a first day ``start`` and a number of days ``days``,
    ``from_date`` + ``fetch_days``) or ``none`` (no server-side time filter: full loads only).

    ``days`` only: ``zone_param``, the parameter the generator sets to the project's time zone
    (Mixpanel's ``timezone``: the connector's days are days there); else ``day_zone``, the
    zone the connector's days are in (Marketo: UTC, assumed).
    """

    style: str
    start: str | None = None
    end: str | None = None
    field: str | None = None
    bounds: Bounds | None = None
    days: str | None = None
    zone_param: str | None = None
    day_zone: str | None = None

    @property
    def kind(self) -> str:
        """The window kind the docs and ``tdgen sources`` show: days or instants."""
        if self.style == "none":
            return "none"
        return "days" if self.style == "days" else "instants"


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
    # values the scaffold writes (a choice among documented values, never a placeholder)
    scaffold_params: dict[str, object] = field(default_factory=dict)
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
        if self.window.style in ("query", "where"):
            return query_bounds()
        return self.window.bounds

    @property
    def filters_server_side(self) -> bool:
        return self.window.style != "none"

    @property
    def generated_params(self) -> set[str]:
        """Parameters the generator writes itself; a spec may not set them."""
        names = {"type", "incremental", "td_authentication_id", self.object_param,
                 self.window.start, self.window.end, self.window.field, self.window.days,
                 self.window.zone_param}
        if self.window.style == "query":
            names |= {"query", "import_type", "table"}
        if self.window.style == "where":
            names.add("where")
        return {n for n in names if n}


def facts_of(source: str, confirmed: bool = False, **values) -> dict[str, Fact]:
    return {name: Fact(value, source, confirmed) for name, value in values.items()}


QUERY_LAG = Fact("10m", "a row's timestamp is set when its statement runs and it becomes "
                 "visible when its transaction commits, later (no figure for the source)")
TD_TIMESTAMP = Fact("td_timestamp", "TD stores timestamp columns of query sources as "
                    "'%Y-%m-%d %H:%M:%S.%3N' strings (embulk-output-td)", True)

UNKNOWN_TD = ("TD's connector is closed source and no public YAML reference states it "
              "(reference/td-connectors.md 17.1)")


def unknown_bounds(api_hint: str, precision: str) -> Bounds:
    return Bounds(Fact(UNKNOWN, f"{UNKNOWN_TD}; {api_hint}"),
                  Fact(UNKNOWN, f"{UNKNOWN_TD}; {api_hint}"),
                  Fact(precision, "the source's timestamp format"),
                  Fact(UNKNOWN, UNKNOWN_TD))


TD_BOXES = "TD repository treasure-data/treasure-boxes"
# a treasure-boxes example folder, the documentation link where no TD page was found
BOXES_URL = "https://github.com/treasure-data/treasure-boxes/tree/master/td_load/"
LEGACY = "legacy templates (treasure-data/aps_claude_tools), unconfirmed by TD docs"
CSV_COLUMNS = ("Embulk's CSV parser: `columns` has no default (reference/td-connectors.md "
               "17.2); every treasure-boxes file example lists them")
