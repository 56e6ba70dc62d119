"""``tdgen generate`` as a library call: load, validate, plan, compare."""

from __future__ import annotations

from pathlib import Path

from .project import Project, load_project
from .render.plan import plan
from .render.writer import FileStatus, compare


def generate(root: Path, force: bool = False, progress: bool = False
             ) -> tuple[Project, list[FileStatus]]:
    """Validate every spec and compare the rendered project with the tree (writes nothing).

    Raises ``SpecError`` (with every finding) when a spec is invalid, ``TemplateError`` when a
    template fails: in both cases nothing has been written.
    """
    from .terminal import progress as bar

    project = load_project(root)
    # a bar on a terminal when rendering takes a while (many sources)
    with bar("rendering", len(project.sources), minimum=20, enabled=progress) as step:
        return project, compare(root, plan(project, step), force=force)
