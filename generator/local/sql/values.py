"""What the Trino -> DuckDB rewrite knows about values, and how it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

_UTC_NAMES = {"UTC", "Z", "GMT", "UT", "UCT", "ZULU", "ETC/UTC", "ETC/GMT", "ETC/UCT",
              "ETC/ZULU", "ETC/UNIVERSAL", "UNIVERSAL", "+00:00", "-00:00"}


class Unsupported(Exception):
    """A construct the engine cannot translate faithfully; ``node`` locates it."""

    def __init__(self, message: str, node=None):
        super().__init__(message)
        self.node = node


@dataclass(frozen=True)
class Ts:
    """What is known statically about a timestamp-valued expression."""

    kind: str                         # "tz" | "naive" | "date"
    precision: int = 3
    zone: str = "'UTC'"               # SQL giving the zone name (kind "tz")
    static_zone: str | None = "UTC"   # the zone when known now; None: only at run time

    @property
    def utc(self) -> bool:
        return self.kind != "tz" or (self.static_zone is not None
                                     and self.static_zone.upper() in _UTC_NAMES)


def ts_text(instant: datetime, precision: int) -> str:
    """``YYYY-MM-DD HH:MM:SS[.f]`` truncated to ``precision`` (<= 6) fraction digits."""
    text = instant.strftime("%Y-%m-%d %H:%M:%S")
    digits = min(precision, 6)
    return text + ("." + f"{instant.microsecond:06d}"[:digits] if digits else "")
