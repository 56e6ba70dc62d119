"""Which STARTED rows of ``ingestion_log`` never finished: grouped by ``log_id``, then each
id's rows sorted by time and merged.

A load logs STARTED, then SUCCESS, ERROR or SKIPPED with the same ``log_id``. A ``log_id`` can
be reused (a rerun of the same session and attempt, a hand-written row): each finishing row
closes the oldest open STARTED row of its ``log_id`` logged at or before it, so a second
STARTED that nothing followed stays open however many times the id finished before. Only the
ids that have a STARTED row are looked at; the check is linear in the rows (plus a sort of
each id's few rows), never pairwise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from .ingestion_log import FINISHED, STARTED, LogRow

_LAST = float("inf")


def open_started(rows: Sequence[LogRow]) -> set[int]:
    """``id()`` of every STARTED row that no finishing row of the same ``log_id`` closes."""
    starts = {row.log_id for row in rows if row.status == STARTED and row.log_id is not None}
    by_id: dict[str, list[tuple]] = {}
    for row in rows:
        if row.log_id in starts and (row.status == STARTED or row.status in FINISHED):
            started = row.status == STARTED
            when = row.time if row.time is not None else (-1 if started else _LAST)
            by_id.setdefault(row.log_id, []).append((when, not started, id(row)))
    still_open: set[int] = set()
    for events in by_id.values():
        if len(events) == 1:  # the usual case of a load that never finished: nothing to merge
            still_open.add(events[0][2])
            continue
        events.sort()
        pending: deque[int] = deque()
        for _, finishing, key in events:
            if not finishing:
                pending.append(key)
            elif pending:
                pending.popleft()
        still_open.update(pending)
    return still_open
