"""``tdgen generate`` as a library call: load, validate, plan, compare."""

from __future__ import annotations

from pathlib import Path

from .project import Project, load_project
from .render.plan import plan
from .render.writer import FileStatus, compare


def generate(root: Path, force: bool = False) -> tuple[Project, list[FileStatus]]:
    """Validate every spec and compare the rendered project with the tree (writes nothing).

    Raises ``SpecError`` (with every finding) when a spec is invalid, ``TemplateError`` when a
    template fails: in both cases nothing has been written.
    """
    project = load_project(root)
    return project, compare(root, plan(project), force=force)
