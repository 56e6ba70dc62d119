"""Read a legacy project as it is (``shared/reference/legacy-patterns.md``), with positions.

Workflows are loaded as Digdag loads them (``digdag.reader``: includes, strict YAML); the
per-object load configs and ``hist_date_ranges.yml`` with ``yamlpos``. Every malformed input is
a ``ConfigError`` naming ``file:line:column``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..findings import ERROR, Finding

_WORKFLOW = re.compile(r"^(?P<source>[a-z][a-z0-9_]*?)_ingest(?:_(?P<kind>inc|hist))?\.dig$")


@dataclass
class Entry:
    """One datasource entry, its load config, and where both are."""

    data: dict
    where: tuple[str, int, int]
    config: dict | None = None
    config_path: str | None = None


@dataclass
class LegacySource:
    name: str
    workflows: dict[str, Any] = field(default_factory=dict)  # inc | hist -> DigFile
    inc: list[Entry] = field(default_factory=list)
    hist: list[Entry] = field(default_factory=list)
    parallel: dict[str, Any] = field(default_factory=dict)  # inc | hist -> _parallel
    schedule: dict | None = None
    run_mode: str | None = None
    month_ranges: list[dict] = field(default_factory=list)


@dataclass
class LegacyProject:
    folder: Path  # the folder holding the .dig files
    databases: dict = field(default_factory=dict)
    auth_ids: dict = field(default_factory=dict)  # connector -> id (or placeholder)
    sources: dict[str, LegacySource] = field(default_factory=dict)


def fail(where: tuple[str, int, int], message: str) -> ConfigError:
    finding = Finding(where[0], where[1], where[2], "legacy-import", ERROR, message)
    return ConfigError(str(finding), [finding])


def project_folder(legacy_dir: Path) -> Path:
    """The folder of the workflows: the project's top, or its ``workflows/``."""
    if not legacy_dir.is_dir():
        raise ConfigError(f"{legacy_dir}: not a folder")
    for folder in (legacy_dir, legacy_dir / "workflows"):
        if any(_WORKFLOW.match(p.name) for p in folder.glob("*.dig")):
            return folder
    raise ConfigError(f"{legacy_dir}: no <source>_ingest[_inc|_hist].dig workflow at its top "
                      "or in workflows/")


def read_project(legacy_dir: Path, only: list[str] | None = None) -> LegacyProject:
    from ..digdag.reader import ReadCache

    project = LegacyProject(project_folder(legacy_dir))
    reads = ReadCache()
    paths = sorted(project.folder.glob("*.dig"))
    _require(only or [], sorted({m["source"] for p in paths if (m := _WORKFLOW.match(p.name))}))
    for path in paths:
        match = _WORKFLOW.match(path.name)
        if match and (not only or match["source"] in only):
            source = project.sources.setdefault(match["source"], LegacySource(match["source"]))
            _read_workflow(project, source, path.name, match["kind"] or "inc", reads)
    return project


def _require(names: list[str], known: list[str]) -> None:
    from ..errors import UsageError
    from ..spec.diagnostics import did_you_mean

    for name in names:
        if name not in known:
            raise UsageError(f"--source: no legacy source named '{name}'"
                             f"{did_you_mean(name, known)} (found: {', '.join(known)})")


def _read_workflow(project, source, rel: str, kind: str, reads) -> None:
    from ..digdag.reader import DigLoadError, load_dig

    try:
        dig = load_dig(project.folder, rel, reads)
    except DigLoadError as exc:
        raise ConfigError(str(exc.finding), [exc.finding]) from None
    data = dig.data if isinstance(dig.data, dict) else {}
    export = data.get("_export") if isinstance(data.get("_export"), dict) else {}
    source.workflows[kind] = dig
    project.databases = export.get("databases") or project.databases
    project.auth_ids.update(_auth_ids(export.get("td_authentication_ids")))
    source.schedule = data.get("schedule") if kind == "inc" else source.schedule
    source.run_mode = export.get("run_mode", source.run_mode)
    _read_lists(project, source, dig, data, export)


def _read_lists(project, source, dig, data: dict, export: dict) -> None:
    """The datasource lists, the month ranges, and the ``_parallel`` of each loop."""
    for key, target in (("inc_datasources", source.inc), ("hist_datasources", source.hist)):
        if key in export and not target:
            target += _entries(project.folder, dig, ("_export", key), export[key])
    for key, name in (("inc_datasources", "inc"), ("hist_datasources", "hist"),
                      ("hist_date_ranges", "months")):
        found = _parallel_of(data, key)
        if found is not None:
            source.parallel[name] = found
    if "hist_date_ranges" in export:
        source.month_ranges = _month_ranges(dig, export["hist_date_ranges"])


def _auth_ids(ids) -> dict:
    if not isinstance(ids, dict):
        return {}
    return {k: v.get("default") if isinstance(v, dict) else v for k, v in ids.items()}


def _parallel_of(node, key: str) -> Any:
    """The ``_parallel`` of the task that iterates over the datasource list ``key``."""
    if isinstance(node, dict):
        if key in str(node.get("for_each>", "")):
            return node.get("_parallel", False)
        for value in node.values():
            found = _parallel_of(value, key)
            if found is not None:
                return found
    return None


def _entries(folder: Path, dig, path: tuple, value) -> list[Entry]:
    if not isinstance(value, list):
        raise fail(dig.where(path), f"{path[-1]} must be a list of datasource entries "
                   f"(- name: ..., table_name: ...), not {type(value).__name__}")
    entries = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise fail(dig.where(path + (i,)), f"{path[-1]}[{i}] must be a mapping")
        entry = Entry(item, dig.where(path + (i,)))
        _read_config(folder, dig, path + (i,), entry)
        entries.append(entry)
    return entries


def _read_config(folder: Path, dig, path: tuple, entry: Entry) -> None:
    from ..yamlpos import load_file

    name = entry.data.get("config_file")
    if not name:
        return
    rel = f"config/{name}"
    if not (folder / rel).is_file() or ".." in Path(str(name)).parts:
        raise fail(dig.where(path + ("config_file",)), f"config_file: {rel} does not exist")
    config = load_file(folder / rel, rel).data
    if not isinstance(config, dict) or not isinstance(config.get("in"), dict):
        raise fail((rel, 1, 1), "a load config must be a mapping with an `in:` mapping")
    entry.config, entry.config_path = config, rel


def _month_ranges(dig, ranges) -> list[dict]:
    """``hist_date_ranges`` (included into ``_export``): ``{start_time, end_time, month_name}``."""
    if not isinstance(ranges, list) or not all(isinstance(r, dict) for r in ranges):
        raise fail(dig.where(("_export", "hist_date_ranges")), "hist_date_ranges must be a "
                   "list of {start_time, end_time, month_name}")
    return ranges
