"""timestamp: each timestamp format keeps its contract, in Python and in SQL.

Rules (``timestamp/<rule>``), for every file in ``templates/timestamp_formats/`` and a set of
instants (month and year ends, a leap day, the last millisecond of a month):

- ``round-trip``: a string written with ``python`` parses back to the same instant (truncated
  to the format's precision);
- ``order``: strings sort in time order (the watermark is ``max()`` of strings);
- ``sql``: ``sql_render`` run on the local engine gives exactly the Python string (Trino
  renders from millisecond precision), and ``sql_parse`` gives the instant back;
- ``micros``: ``sql_to_micros`` gives the instant's microseconds exactly, ``sql_from_micros``
  writes them back, one step either way included (the window arithmetic);
- ``fallback``: each source's table fallback (``<source>_window_from_table.sql``), run on the
  local engine against a table whose field holds values in the shape ``table_field_type``
  says (and NULL, empty and foreign values beside them), starts exactly one step after the
  maximum, in the source's format, with no precision lost;
- ``file``: the format file itself loads.

Spec times (``default_start_time``, history bounds) valid in their source's format are checked
by ``spec``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import ConfigError
from ..findings import ERROR, Finding
from .context import REPOSITORY, CheckContext

ID = "timestamp"
SCOPE = REPOSITORY
SAMPLES = [
    datetime(2023, 9, 1, tzinfo=UTC),
    datetime(2023, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2024, 1, 1, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2024, 3, 31, 12, 30, 45, 123000, tzinfo=UTC),
    datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 11, 22, 2, 15, 0, 500000, tzinfo=UTC),
]


def _truncate(instant: datetime, step: timedelta) -> datetime:
    micros = int((instant - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
    unit = int(step / timedelta(microseconds=1))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros - micros % unit)


def check(ctx: CheckContext) -> list[Finding]:
    return check_repository(ctx.root)


def check_repository(root: Path) -> list[Finding]:
    from ..timestamp_formats import load_formats
    from ..yamlpos import load_file

    folder = root / "templates" / "timestamp_formats"
    try:
        formats = load_formats(folder, root)
    except ConfigError as exc:
        return [Finding("templates/timestamp_formats", 1, 1, f"{ID}/file", ERROR, str(exc))]
    findings: list[Finding] = []
    engine = _engine()
    for name, fmt in sorted(formats.items()):
        rel = f"templates/timestamp_formats/{name}.yml"
        located = load_file(root / rel, rel)
        findings += _python(fmt, located)
        findings += _sql(fmt, located, engine)
        findings += _micros(fmt, located, engine)
    findings += _fallbacks(root, engine)
    return findings


def _micros(fmt, located, engine) -> list[Finding]:
    for instant in SAMPLES + [datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)]:
        instant = _truncate(instant, fmt.precision)
        text = fmt.format(instant)
        micros = int((instant - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
        literal = "'" + text + "'"
        try:
            got = engine.execute(f"SELECT {fmt.sql_to_micros(literal)} AS m, "
                                 f"{fmt.sql_from_micros(str(micros + fmt.step_micros))} AS t"
                                 ).rows[0]
        except Exception as exc:  # noqa: BLE001 - broken SQL: report it
            got = (f"error: {exc}", None)
        expected = (micros, fmt.format(instant + fmt.precision))
        if tuple(got) != expected:
            return [located.finding((), f"{ID}/micros", f"{fmt.name}: sql_to_micros / "
                                    f"sql_from_micros give {tuple(got)} for '{text}', "
                                    f"expected {expected}")]
    return []


def _fallbacks(root: Path, engine) -> list[Finding]:
    from ..errors import TdgenError
    from ..spec.project import load_project
    from ..render.plan import resolved_sources
    from .fallback import check_fallback

    try:
        project = load_project(root)
    except TdgenError:
        return []  # the spec check reports it
    findings = []
    for src, source in zip(resolved_sources(project), project.sources):
        if any(load.incremental for load in src.loads) and src.format is not None:
            findings += check_fallback(root, src, source, engine)
    return findings


def _python(fmt, located) -> list[Finding]:
    out = []
    texts = []
    for instant in SAMPLES:
        text = fmt.format(instant)
        texts.append(text)
        try:
            back = fmt.parse(text)
        except ValueError as exc:
            back = exc
        if back != _truncate(instant, fmt.precision):
            out.append(located.finding(("python",), f"{ID}/round-trip", f"{fmt.name}: "
                                       f"'{text}' parses back to {back}, not {instant}"))
    if texts != sorted(texts):
        out.append(located.finding(("python",), f"{ID}/order", f"{fmt.name}: strings do not "
                                   "sort in time order, so max() of them is not the latest"))
    return out


def _engine():
    from ..local.sql.engine import SqlEngine

    return SqlEngine()


def _sql(fmt, located, engine) -> list[Finding]:
    from ..local.sql.engine import parse_string_sql, render_instant_sql

    out = []
    for instant in SAMPLES:
        expected = fmt.format(_truncate(instant, timedelta(milliseconds=1)))
        try:
            rendered = render_instant_sql(fmt, instant, engine)
        except Exception as exc:  # noqa: BLE001 - the SQL itself is broken: report it
            rendered = f"error: {exc}"
        if rendered != expected:
            out.append(located.finding(("sql_render",), f"{ID}/sql", f"{fmt.name}: sql_render "
                                       f"gives '{rendered}' for {instant.isoformat()}, python "
                                       f"gives '{expected}'"))
            break
        try:
            back = parse_string_sql(fmt, expected, engine)
        except Exception as exc:  # noqa: BLE001 - as above
            back = exc
        if back != _truncate(instant, max(fmt.precision, timedelta(milliseconds=1))):
            out.append(located.finding(("sql_parse",), f"{ID}/sql", f"{fmt.name}: sql_parse "
                                       f"reads '{expected}' as {back}"))
            break
    return out
