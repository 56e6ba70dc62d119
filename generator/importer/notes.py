"""What an import says about each source and object: values, sortable, with a JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CARRIED = "carried over"
KEPT = "not expressed"
DRIFT = "hand-copy drift"
FIXED = "legacy defect fixed"
ACCEPT = "to accept"
HISTORY = "history"

# legacy-patterns.md "Defects in the legacy patterns", by number
DEFECTS = {
    1: "gaps between historical months (the last second of each month never loaded)",
    2: "BigQuery history reloading the whole table every month",
    3: "a window start that scans the whole target table on every run",
    4: "boundary duplicates and losses (inclusive start at the truncated maximum)",
    5: "errors logged without the object, the window or the reason",
    6: "a run_mode switch in _export that --param cannot override",
    7: "null checks of the incremental field repeated in every workflow",
    8: "colliding log ids for parallel loads",
    9: "retries that re-poll the same failed job",
    10: "one failed object stalling the later objects",
    11: "placeholder configuration shipped silently",
    12: "full loads appended on every run",
}
ALWAYS_FIXED = (3, 4, 5, 7, 8, 9, 10)


@dataclass(frozen=True, order=True)
class Note:
    kind: str
    object: str  # "" for the source itself
    message: str


@dataclass
class Imported:
    """One legacy source: its spec (None when skipped), and what the import says about it."""

    name: str
    spec: dict | None = None
    skipped: str | None = None
    notes: list[Note] = field(default_factory=list)
    fixed: set[int] = field(default_factory=set)
    legacy_configs: dict[str, dict] = field(default_factory=dict)  # object -> legacy `in:`
    history_proposal: str | None = None

    def note(self, kind: str, message: str, obj: str = "") -> None:
        self.notes.append(Note(kind, obj, message))

    def to_json(self) -> dict:
        return {"source": self.name, "imported": self.spec is not None,
                "skipped": self.skipped, "notes": [asdict(n) for n in self.notes],
                "defects_fixed": {str(n): DEFECTS[n] for n in sorted(self.fixed)},
                "history": self.history_proposal}
