"""The project: settings, timestamp formats and every source spec, validated together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import ConfigError, SpecError
from ..findings import ERROR, Finding
from ..timestamp_formats import TimestampFormat, load_formats
from .validate import check_source
from .diagnostics import schema_findings
from .model import Settings, SourceSpec
from .settings import settings_findings
from ..yamlpos import Located, load_file

SETTINGS_FILE = "tdgen.yml"


@dataclass
class Source:
    spec: SourceSpec
    located: Located
    path: str  # relative to the root, e.g. sources/klaviyo.yml


@dataclass
class Project:
    root: Path
    settings: Settings
    formats: dict[str, TimestampFormat]
    sources: list[Source]
    warnings: list[Finding] = field(default_factory=list)

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.spec.source == name), None)

    def require(self, names, option: str = "source") -> None:
        """``UsageError`` for the first name no spec defines, with "did you mean"."""
        from ..errors import UsageError
        from .diagnostics import did_you_mean

        known = sorted(s.spec.source for s in self.sources)
        for name in names:
            if name not in known:
                raise UsageError(f"{option}: no source named '{name}' in sources/"
                                 f"{did_you_mean(name, known)} (known: {', '.join(known)})")

    def format_of(self, spec: SourceSpec) -> TimestampFormat | None:
        from .. import catalog

        name = spec.timestamp_format or catalog.get(spec.connector).default_format
        fmt = self.formats.get(name) if name else None
        # a format of whole days counts days in the project's time zone
        return fmt.in_zone(self.settings.timezone) if fmt else None


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``tdgen.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise ConfigError(f"no {SETTINGS_FILE} found in {here} or above; run tdgen inside the "
                      "ingestion repository (or pass --root)")


def load_settings(root: Path) -> Settings:
    located = load_file(root / SETTINGS_FILE, SETTINGS_FILE)
    try:
        settings = Settings.model_validate(located.data)
    except ValidationError as exc:
        findings = schema_findings(exc, located, Settings)
        raise ConfigError("\n".join(map(str, findings)), findings) from None
    findings = settings_findings(settings, located)
    if findings:
        raise ConfigError("\n".join(map(str, findings)), findings)
    return settings


def load_source(path: Path, root: Path, formats) -> tuple[Source | None, list[Finding]]:
    display = path.relative_to(root).as_posix()
    try:
        located = load_file(path, display)
    except ConfigError as exc:
        return None, exc.findings or [Finding(display, 1, 1, "yaml-syntax", ERROR, str(exc))]
    if not isinstance(located.data, dict):
        return None, [located.finding((), "spec-schema", "a source spec must be a mapping "
                                      "(source:, connector:, objects:, ...)")]
    try:
        spec = SourceSpec.model_validate(located.data)
    except ValidationError as exc:
        return None, schema_findings(exc, located, SourceSpec)
    return Source(spec, located, display), list(check_source(spec, located, path.stem, formats))


def load_project(root: Path, only: list[str] | None = None) -> Project:
    """Load and validate everything; raise ``SpecError`` listing every error found."""
    settings = load_settings(root)
    formats = load_formats(root / "templates" / "timestamp_formats", root)
    sources, findings = [], []
    for path in spec_files(root):
        source, found = load_source(path, root, formats)
        findings += found
        if source:
            sources.append(source)
    findings += _unique_names(spec_files(root), root)
    findings += _unique_tables(sources, settings.log_table)
    errors = sorted(f for f in findings if f.level == ERROR)
    if errors:
        raise SpecError("\n".join(map(str, errors)), errors)
    warnings = sorted(f for f in findings if f.level != ERROR)
    project = Project(root, settings, formats, sources, warnings)
    project.require(only or [])
    return project


def spec_files(root: Path) -> list[Path]:
    """Every spec: ``sources/*.yml`` and ``sources/*.yaml`` alike."""
    folder = root / "sources"
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def _unique_names(paths: list[Path], root: Path) -> list[Finding]:
    seen: dict[str, Path] = {}
    findings = []
    for path in paths:
        if path.stem in seen:
            findings.append(Finding(path.relative_to(root).as_posix(), 1, 1, "spec", ERROR,
                                    f"{seen[path.stem].relative_to(root).as_posix()} also "
                                    f"defines source '{path.stem}'; keep one of the two files"))
        seen.setdefault(path.stem, path)
    return findings


def _unique_tables(sources: list[Source], log_table: str) -> list[Finding]:
    """Every object loads its own table, and none loads the log (a full load would replace
    it, an append would mix rows into it)."""
    from .resolved import object_tables

    seen: dict[str, tuple[str, int]] = {}
    findings = []
    for source in sources:
        for path, table in object_tables(source.spec):
            line, col = source.located.where(path)
            if table == log_table:
                findings.append(Finding(source.path, line, col, "spec", ERROR,
                                        f"table '{table}' is the ingestion log (log_table in "
                                        "tdgen.yml); choose another table name"))
            elif table in seen:
                first_file, first_line = seen[table]
                findings.append(Finding(source.path, line, col, "spec", ERROR,
                                        f"table '{table}' is also loaded by {first_file}:"
                                        f"{first_line}; every object needs its own table"))
            else:
                seen[table] = (source.path, line)
    return findings
