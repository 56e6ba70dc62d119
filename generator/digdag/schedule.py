"""Digdag's schedule and time zone rules (``reference/digdag-semantics.md`` E), shared by the
spec check, the ``tdgen.yml`` check and the workflow check: one ``type>`` with a valid value,
only the keys push accepts, and a zone Java knows."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

VALUES = {
    "hourly>": r"\d{1,2}:\d{2}", "daily>": r"\d{1,2}:\d{2}:\d{2}",
    "weekly>": r"(?i)(sun|mon|tue|wed|thu|fri|sat|[0-6]),\s*\d{1,2}:\d{2}:\d{2}",
    "monthly>": r"\d{1,2},\s*\d{1,2}:\d{2}:\d{2}", "minutes_interval>": r"\d+",
    "cron>": r"\S+(\s+\S+){4}", "seconds_interval>": r"\d+",
}
KEYS = {"skip_on_overtime", "skip_delayed_by", "start", "end"}


def _near(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def problems(schedule) -> Iterator[tuple[tuple, bool, str]]:
    """(path below ``schedule``, whether the key is meant, message) of each problem."""
    if not isinstance(schedule, dict):
        yield (), False, "must be a mapping with one type>"
        return
    types = [k for k in schedule if str(k).endswith(">")]
    if not types:
        yield (), True, ("needs one type> (Schedule config requires 'type>: at' parameter): "
                         f"one of {', '.join(sorted(VALUES))}")
    for key in types[1:]:
        yield (key,), True, f"a second type {key}: a schedule takes exactly one"
    for key, value in schedule.items():
        key = str(key)
        if key.endswith(">"):
            if key not in VALUES:
                yield (key,), True, f"unknown schedule '{key}'{_near(key, VALUES)}"
            elif not re.fullmatch(VALUES[key], str(value).strip()):
                yield (key,), False, f"{key} {value!r} is not a valid value (see Digdag's " \
                    "scheduling docs; daily> takes HH:MM:SS)"
        elif key not in KEYS:
            yield (key,), True, (f"unknown key '{key}' (Digdag rejects it at push)"
                                 f"{_near(key, KEYS)}")
        elif key == "skip_delayed_by" and not re.fullmatch(r"(?i)\s*(\d+\s*[dhms]\s*)+",
                                                           str(value)):
            yield (key,), False, "skip_delayed_by needs a unit, like 1h, 30m or 1d2h"
        elif key in ("start", "end") and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            yield (key,), False, f"{key} takes YYYY-MM-DD"


def timezone_problem(zone) -> str | None:
    """Why Digdag would reject ``zone`` (IANA names, ``UTC``, offsets), or None."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    text = str(zone)
    if re.fullmatch(r"[+-]\d{2}:?\d{2}|UTC|GMT|Z", text):
        return None
    try:
        ZoneInfo(text)
        ok = "/" in text or text in available_timezones() and len(text) > 3
    except (ZoneInfoNotFoundError, ValueError):
        ok = False
    if ok:
        return None
    return (f"Unknown time zone name '{text}'{_near(text, available_timezones())} (use an "
            "IANA name such as Asia/Tokyo, UTC or +09:00)")
