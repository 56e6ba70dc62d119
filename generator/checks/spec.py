"""spec: every source spec is valid (schema, cross-field checks, the catalog).

Rules (specs and ``tdgen.yml``):

- ``spec-schema``: the shape: unknown keys with "did you mean", types, required fields;
- ``spec``: what the schema cannot say: the file name, a known connector, object and format,
  times valid in the source's format and in the past, history bounds and length,
  authentication, parameters known to the catalog, output modes, tables unique across the
  project; in ``tdgen.yml`` the timezone, the runner's schedule and the check selection;
- ``yaml-syntax``: the file is YAML.

Repository mode only: a plain Digdag project has no specs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..findings import Finding

ID = "spec"


def check_repository(root: Path) -> list[Finding]:
    from ..project import load_project

    try:
        return load_project(root).warnings
    except ConfigError as exc:
        if exc.findings:
            return exc.findings
        return [Finding("tdgen.yml", 1, 1, "spec", "error", str(exc))]
