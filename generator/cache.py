"""Where tdgen keeps what it can recompute: ``.tdgen/cache/`` in the repository root,
git-ignored. The yamllint findings of the style check and the local engine's SQL translations
live there, each keyed by content so a stale entry cannot change a result."""

from __future__ import annotations

import json
import os
from pathlib import Path

CACHE = Path(".tdgen") / "cache"  # relative to the repository root


class KeyedFile:
    """A cache file: one JSON object mapping content keys to entries, read once, written
    atomically (a temporary file renamed over it) and only when something new was used.

    ``used`` holds what this command used or added; entries it did not use are dropped when the
    file would hold more than ``limit`` (or twice what was used), so the file stays small. A file
    that cannot be read is an empty cache, one that cannot be written is left as it was: a cache
    is never an error."""

    def __init__(self, path: Path | None, limit: int):
        self.path, self.limit = path, limit
        self.entries: dict[str, list] = self._read() if path else {}
        self.used: dict[str, list] = {}

    def _read(self) -> dict[str, list]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def write(self) -> None:
        if self.path is None:
            return
        total = len(self.entries.keys() | self.used.keys())
        kept = self.entries if total <= max(self.limit, 2 * len(self.used)) else {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({**kept, **self.used}), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            return
        self.entries = {**kept, **self.used}
