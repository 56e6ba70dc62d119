"""``tdgen generate`` as a library call: load, validate, plan, compare."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..spec.project import Project, load_project
from .plan import plan
from .writer import FileStatus, compare


def generate(root: Path, force: bool = False, progress: bool = False
             ) -> tuple[Project, list[FileStatus]]:
    """Validate every spec and compare the rendered project with the tree (writes nothing).

    Raises ``SpecError`` (with every finding) when a spec is invalid, ``TemplateError`` when a
    template fails: in both cases nothing has been written.
    """
    from ..terminal import progress as bar

    project = load_project(root)
    # a bar on a terminal when rendering takes a while (many sources)
    with bar("rendering", len(project.sources), minimum=20, enabled=progress) as step:
        return project, compare(root, plan(project, step), force=force)


@dataclass
class Generation:
    project: Project
    statuses: list[FileStatus]
    conflicts: list[FileStatus]  # generated files edited by hand: nothing was written
    pending: list[FileStatus]  # what differs from the tree (written unless check or dry run)


def generate_project(root: Path, force: bool = False, write: bool = True,
                     progress: bool = False) -> Generation:
    """``tdgen generate``: complete a run killed while writing, compare, and (``write``, no
    conflict) write what changed."""
    from .journal import recover
    from .writer import CONFLICT, apply, changed

    if write:
        recover(root)  # a run killed while writing: complete its change first
    project, statuses = generate(root, force, progress)
    result = Generation(project, statuses, [s for s in statuses if s.status == CONFLICT],
                        changed(statuses))
    if write and not result.conflicts:
        apply(root, result.pending)
    return result
