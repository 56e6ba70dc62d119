"""Zendesk as embulk-input-zendesk behaves (treasure-data/embulk-input-zendesk @ 7aad7a0d),
written from the plugin's code, not from our catalog, so the catalog's facts are tested:

- ``start_time`` goes to Zendesk's incremental export API, which returns records updated at
  or after it; the plugin then skips records whose ``updated_at`` is at or before
  ``start_time`` (``ZendeskNormalServices``): in effect an exclusive start;
- records whose time is after ``end_time`` are dropped: an inclusive end;
- times are whole seconds;
- an ``end_time`` later than the connector host's clock imports nothing and the job still
  succeeds (``ZendeskInputPlugin``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from generator.local.connector import FixtureConnector, _public, _visible


def _seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp())


class ZendeskConnector(FixtureConnector):
    """The host's clock is the load's now, less ``skew`` seconds (a host running behind)."""

    skew = 0

    def load(self, config, database, table, now):
        source = config["in"]
        obj = self.fixtures.find("zendesk", str(source["target"]))
        start, end = _seconds(source["start_time"]), _seconds(source["end_time"])
        rows = []
        if end <= int(now.timestamp()) - self.skew:  # a future end imports nothing
            for row in obj.rows(now):
                value = row.get("updated_at")
                if not value or not _visible(row, now):
                    continue
                at = _seconds(value)
                if at >= start and not at <= start and not at > end:
                    rows.append(self._add_time(config, _public(row), now))
        self.engine.append_rows(database, table, rows)
        return len(rows)
