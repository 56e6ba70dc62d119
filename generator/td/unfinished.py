"""Which STARTED rows of ``ingestion_log`` never finished: a sort and one merge by ``log_id``.

A load logs STARTED, then SUCCESS, ERROR or SKIPPED with the same ``log_id``. A ``log_id`` can
be reused (a rerun of the same session and attempt, a hand-written row): each finishing row
closes the oldest open STARTED row of its ``log_id`` logged at or before it, so a second
STARTED that nothing followed stays open however many times the id finished before. Rows are
sorted once by (``log_id``, time), so the check is O(n log n), never pairwise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from .ingestion_log import FINISHED, STARTED, LogRow

_LAST = float("inf")


def open_started(rows: Sequence[LogRow]) -> set[int]:
    """``id()`` of every STARTED row that no finishing row of the same ``log_id`` closes."""
    starts = {row.log_id for row in rows if row.status == STARTED and row.log_id is not None}
    keyed = []
    for index, row in enumerate(rows):
        if row.log_id not in starts or (row.status != STARTED and row.status not in FINISHED):
            continue
        started = row.status == STARTED
        when = row.time if row.time is not None else (-1 if started else _LAST)
        keyed.append((row.log_id, when, not started, index))
    keyed.sort()
    still_open: list[int] = []
    pending: deque[int] = deque()
    current = None
    for log_id, _, finishing, index in keyed:
        if log_id != current:
            still_open += pending
            pending.clear()
            current = log_id
        if not finishing:
            pending.append(index)
        elif pending:
            pending.popleft()
    still_open += pending
    return {id(rows[i]) for i in still_open}
