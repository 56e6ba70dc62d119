"""``tdgen import`` as a function: read, map, validate, write (or not, with ``dry_run``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from .notes import Imported


@dataclass
class Migration:
    results: list[Imported]
    texts: dict[str, str] = field(default_factory=dict)  # source -> spec text
    written: list[str] = field(default_factory=list)


def import_legacy(root: Path, legacy_dir: Path, only: list[str] | None = None,
                  dry_run: bool = False, force: bool = False, auth_ids: dict | None = None,
                  log_file: Path | None = None, now: datetime | None = None) -> Migration:
    from ..timestamp_formats import load_formats
    from .legacy import read_project
    from .mapping import map_source
    from .write import spec_text

    legacy = read_project(legacy_dir, only)
    formats = load_formats(root / "templates" / "timestamp_formats", root)
    rows = _log_rows(log_file)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    results = [map_source(legacy, src, formats, moment, auth_ids or {}, rows)
               for src in legacy.sources.values()]
    migration = Migration(results)
    for imported in results:
        if imported.spec is not None:
            _accept(root, imported, spec_text(imported, legacy_dir), migration)
    if not dry_run and migration.texts:
        from .write import write_specs

        paths = write_specs(root, migration.texts, force)
        migration.written = [p.relative_to(root).as_posix() for p in paths]
    return migration


def _accept(root: Path, imported: Imported, text: str, migration: Migration) -> None:
    from .write import validate

    errors = validate(root, imported.name, text)
    if errors:
        imported.skipped = "the imported spec would not be valid: " + "; ".join(
            f.message for f in errors)
        imported.spec = None
        return
    migration.texts[imported.name] = text


def _log_rows(log_file: Path | None) -> list[dict]:
    if log_file is None:
        return []
    from ..local.plan import load_log_file

    if log_file.suffix not in (".jsonl", ".json", ".csv"):
        raise UsageError(f"--log {log_file}: an export of the legacy ingestion_log is needed "
                         "(.jsonl, .json or .csv)")
    return load_log_file(log_file)[0]
