"""spec: every source spec is valid (schema, cross-field checks, the catalog).

Rules: ``spec-schema`` (the spec's shape: unknown keys with "did you mean", types, required
fields), ``spec`` (what the schema cannot say: the file name, a known connector and format,
times valid in the source's format, history bounds, authentication, parameters known to the
catalog, output modes, tables unique across the project) and ``yaml-syntax``. Repository mode
only: a plain Digdag project has no specs.
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
