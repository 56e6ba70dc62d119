"""``tdgen import --diff``: per object, the legacy load config beside the generated one, key by
key, both after substitution (``${td_authentication_ids...}``, ``${datasource...}``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from .notes import Imported
from .substitute import substitute

_SAME, _LEGACY, _NEW, _CHANGED = "=", "-", "+", "~"


def generated_configs(root: Path, results: list[Imported], texts: dict[str, str]) -> dict:
    """(source, object) -> the generated load config's ``in:``, rendered in memory."""
    from ..render.plan import plan

    project = _project(root, texts)
    files = {f.path: f.content for f in plan(project)}
    ids = {s.spec.source: {"default": s.spec.td_authentication_id} for s in project.sources}
    out = {}
    for imported in results:
        for obj in (imported.spec or {}).get("objects", []):
            path = f"workflows/config/{imported.name}_{obj['name']}_load.yml"
            if path in files:
                data = yaml.safe_load(files[path]) or {}
                config = substitute(data.get("in", {}), {"td_authentication_ids": ids})
                out[(imported.name, obj["name"])] = {
                    **config, "out.mode": (data.get("out") or {}).get("mode")}
    return out


def _project(root: Path, texts: dict[str, str]):
    """The imported specs alone, as a project (written or not)."""
    from ..timestamp_formats import load_formats
    from ..spec.project import Project, Source, load_settings
    from ..spec.model import SourceSpec
    from ..yamlpos import load

    sources = []
    for name, text in texts.items():
        located = load(text, f"sources/{name}.yml")
        sources.append(Source(SourceSpec.model_validate(located.data), located,
                              f"sources/{name}.yml"))
    formats = load_formats(root / "templates/timestamp_formats", root)
    return Project(root, load_settings(root), formats, sources)


def diff_lines(imported: Imported, generated: dict) -> list[str]:
    lines = []
    for name, legacy in imported.legacy_configs.items():
        new = generated.get((imported.name, name))
        if new is None:
            continue
        lines.append(f"{imported.name} / {name}: legacy | generated, key by key (in: and out.mode)")
        for key in list(legacy) + [k for k in new if k not in legacy]:
            lines.append("  " + _line(key, legacy.get(key, _NONE), new.get(key, _NONE)))
    return lines


_NONE = object()


def _line(key: str, old, new) -> str:
    if old is _NONE:
        return f"{_NEW} {key}: {_show(new)}"
    if new is _NONE:
        return f"{_LEGACY} {key}: {_show(old)}"
    if old == new:
        return f"{_SAME} {key}: {_show(old)}"
    return f"{_CHANGED} {key}: {_show(old)}  ->  {_show(new)}"


def _show(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()
