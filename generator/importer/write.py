"""Imported specs as YAML text, validated by the project's own loader, written all or none."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import ConfigError, SpecError
from ..findings import ERROR
from .notes import Imported


def spec_text(imported: Imported, legacy_dir: Path) -> str:
    """The spec as YAML: block style, the key order of the spec reference, one header line."""
    body = yaml.safe_dump(imported.spec, sort_keys=False, allow_unicode=True, width=100)
    return (f"# Imported by tdgen import from {legacy_dir.name}/; review the migration report.\n"
            + body)


def validate(root: Path, name: str, text: str) -> list:
    """The errors the project's spec loader finds in ``text`` as ``sources/<name>.yml``."""
    from pydantic import ValidationError

    from ..timestamp_formats import load_formats
    from ..spec.validate import check_source
    from ..spec.diagnostics import schema_findings
    from ..spec.model import SourceSpec
    from ..yamlpos import load

    display = f"sources/{name}.yml"
    located = load(text, display)
    try:
        spec = SourceSpec.model_validate(located.data)
    except ValidationError as exc:
        return schema_findings(exc, located, SourceSpec)
    formats = load_formats(root / "templates" / "timestamp_formats", root)
    return [f for f in check_source(spec, located, name, formats) if f.level == ERROR]


def write_specs(root: Path, texts: dict[str, str], force: bool) -> list[Path]:
    """Write ``sources/<name>.yml`` for each text, or nothing: an existing spec without
    ``force``, or a project that no longer loads (a table another source loads), writes none."""
    targets = {name: _target(root, name) for name in texts}
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        names = ", ".join(p.relative_to(root).as_posix() for p in existing)
        raise ConfigError(f"{names} already exist(s): nothing written; pass --force to "
                          "overwrite, or --source to import other sources")
    before = {p: p.read_bytes() if p.exists() else None for p in targets.values()}
    try:
        for name, path in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(texts[name], encoding="utf-8")
        _load_project(root)
    except (SpecError, OSError, KeyboardInterrupt):  # a spec clash, a full disk, ^C
        _restore(before)
        raise
    return list(targets.values())


def _target(root: Path, name: str) -> Path:
    other = root / "sources" / f"{name}.yaml"
    if other.exists():
        return other
    return root / "sources" / f"{name}.yml"


def _load_project(root: Path) -> None:
    from ..spec.project import load_project

    load_project(root)


def _restore(before: dict) -> None:
    for path, content in before.items():
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)
