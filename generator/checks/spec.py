"""spec: every source spec is valid (schema, cross-field checks, the catalog).

Rules (specs and ``tdgen.yml``):

- ``spec-schema``: the shape: unknown keys with "did you mean", types, required fields;
- ``spec``: what the schema cannot say: the file name, a known connector, object and format,
  times valid in the source's format and in the past, history bounds and length,
  authentication, parameters known to the catalog, output modes, tables unique across the
  project; in ``tdgen.yml`` the timezone, the runner's schedule and the check selection;
- ``yaml-syntax``: the file is YAML;
- ``spec-drift``: the generated files are what the specs render: none missing, different or
  left over, and no interrupted ``tdgen generate`` (the push pre-flight runs it too).

Repository mode only: a plain Digdag project has no specs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..findings import ERROR, Finding
from .context import REPOSITORY, CheckContext

ID = "spec"
SCOPE = REPOSITORY
RULE_DRIFT = "spec-drift"


def check(ctx: CheckContext) -> list[Finding]:
    return check_repository(ctx.root)


def check_repository(root: Path) -> list[Finding]:
    from ..spec.project import load_project

    try:
        project = load_project(root)
    except ConfigError as exc:
        if exc.findings:
            return exc.findings
        return [Finding("tdgen.yml", 1, 1, "spec", "error", str(exc))]
    return project.warnings + drift(project)


_DRIFT = {"create": "missing: its spec renders it", "update": "differs from what its spec "
          "renders", "remove": "no spec renders it any more", "conflict": "edited by hand"}


def drift(project) -> list[Finding]:
    """A finding per generated file that is not what the specs render, or a killed run."""
    from ..render.journal import JOURNAL, interrupted
    from ..render.plan import plan
    from ..render.writer import IDENTICAL, compare

    found = []
    if interrupted(project.root):
        found.append(Finding(JOURNAL, 1, 1, RULE_DRIFT, ERROR, "a `tdgen generate` was killed "
                             "while writing: run `tdgen generate` to complete its change"))
    try:
        statuses = compare(project.root, plan(project))
    except ConfigError as exc:
        return found + [Finding("templates", 1, 1, RULE_DRIFT, ERROR, str(exc))]
    for s in statuses:
        if s.status != IDENTICAL:
            found.append(Finding(s.path, 1, 1, RULE_DRIFT, ERROR, f"{_DRIFT[s.status]}; run "
                                 "`tdgen generate` and commit the result"))
    return found
