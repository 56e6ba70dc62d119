"""``tdgen preview``: each object's load config, with a small window, through TD's preview.

For each object: the config ``tdgen generate`` writes, rendered with a concrete window (default:
the last whole hour before now less the lag, or the last complete day for a connector of whole
days), sent to TD's connector preview; the columns and a
few rows are shown, and the object's table field must be among the columns. A refused config
(an unknown parameter, a wrong value) fails that object, named with TD's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import UsageError
from .connector_api import Refused, fill, preview
from .config import TdConfig

ROWS_SHOWN = 3


@dataclass
class Outcome:
    name: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def default_window(lag: timedelta, now: datetime | None = None, fmt=None
                   ) -> tuple[datetime, datetime]:
    """The last whole hour that ends before ``now`` less ``lag``; for a connector of whole days
    (a format of days), the last complete day in the project's zone: the day before the one
    ``now`` less ``lag`` falls on."""
    moment = (now or datetime.now(UTC)) - lag
    if fmt is not None and fmt.days:
        end = fmt.parse(fmt.format(moment))
        return fmt.parse(fmt.format(end - timedelta(microseconds=1))), end
    end = moment.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(hours=1), end


def lag_of(s) -> timedelta:
    from ..local.clock import parse_duration

    return parse_duration(s.lag)


def parse_window(text: str) -> tuple[datetime, datetime]:
    from ..local.clock import parse_instant

    start, sep, end = text.partition("/")
    try:
        lower, upper = parse_instant(start), parse_instant(end)
    except ValueError as exc:
        raise UsageError(f"--window {text}: {exc}") from None
    if not sep or lower >= upper:
        raise UsageError(f"--window {text}: expected START/END with START before END (ISO "
                         "8601 instants)")
    return lower, upper


def preview_source(root: Path, config: TdConfig, source: str, objects: list[str],
                   window: tuple[datetime, datetime] | None) -> list[Outcome]:
    from .secrets import load_credentials

    project, s = _source(root, source)
    loads = _loads(s, objects)
    credentials = load_credentials(root) if s.secrets else {}
    lower, upper = window or default_window(lag_of(s), fmt=s.format)
    if s.format is not None and s.format.days and \
            s.format.format(lower) == s.format.format(upper):
        raise UsageError(f"--window: {s.name} loads whole days ({s.connector.type}); the "
                         f"window {lower.isoformat()}/{upper.isoformat()} holds no whole day "
                         f"in {s.format.zone}")
    return [_one(config, project, s, load, lower, upper, credentials) for load in loads]


def _source(root: Path, name: str):
    from ..spec.project import load_project
    from ..render.plan import resolved_sources

    project = load_project(root)
    project.require([name], "SOURCE")
    return project, next(s for s in resolved_sources(project) if s.name == name)


def _loads(s, objects: list[str]):
    from ..spec.diagnostics import did_you_mean

    names = [load.name for load in s.loads]
    for name in objects:
        if name not in names:
            raise UsageError(f"OBJECT: '{name}' is not an object of {s.name}"
                             f"{did_you_mean(name, names)} (objects: {', '.join(names)})")
    return [load for load in s.loads if not objects or load.name in objects]


def _one(config, project, s, load, lower, upper, credentials) -> Outcome:
    out = Outcome(f"{s.name} / {load.name}")
    text = load_config_text(project, s, load, lower, upper)
    try:
        result = preview(config, fill(text, s.spec.td_authentication_id, credentials))
    except Refused as exc:
        out.problems.append(f"{out.name}: TD's connector refused the config: {exc}")
        return out
    names = [name for name, _ in result.columns]
    out.lines.append(f"{out.name}: [{lower.isoformat()}, {upper.isoformat()}) "
                     f"{len(result.rows)} row(s) previewed")
    out.lines.append("  columns: " + ", ".join(f"{n} ({t})" for n, t in result.columns))
    out.lines += [f"  {row}" for row in result.rows[:ROWS_SHOWN]]
    if load.incremental and load.table_field not in names:
        out.problems.append(f"{out.name}: the table field '{load.table_field}' is not among "
                            f"the connector's columns ({', '.join(names) or 'none'})")
    return out


def load_config_text(project, s, load, lower: datetime, upper: datetime) -> str:
    """The load config of ``load`` with the window ``[lower, upper)`` written in."""
    from ..render.plan import Renderer
    from ..spec.resolved import batch

    fmt = s.format or project.formats.get("millis_z")
    b = batch(fmt, lower, upper, s.bounds)
    window = {"start": b.start, "end": b.end, "connector_start": b.connector_start,
              "connector_end": b.connector_end, "tag": b.end_unixtime,
              "origin": "the window of tdgen preview"}
    return Renderer(project).render(f"load/{s.connector.load_template}", s.name, s=s, fmt=fmt,
                                    load=load, window=window)
