"""What every check is given (``check(ctx)``), and the scopes a check can have.

A check is one module of ``generator/checks/`` with an ``ID``, a ``SCOPE``, a docstring that
is its documentation (``tdgen check --list``) and ``check(ctx) -> Iterable[Finding]``; it is
registered once, in ``registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .files import ProjectFiles

PROJECT = "project"  # any Digdag project folder (a repository's workflows/, or a PATH)
REPOSITORY = "repository"  # a tdgen repository: specs, tdgen.yml, timestamp formats


@dataclass
class CheckContext:
    """``root``: the folder checked (a Digdag project for project checks, the repository root
    for repository checks); ``credentials``: the credentials file whose keys count as set;
    ``cache``: the folder of yamllint's findings cache (``None``: no cache)."""

    root: Path
    credentials: Path | None = None
    cache: Path | None = None
    _files: ProjectFiles | None = field(default=None, repr=False)

    @property
    def files(self) -> ProjectFiles:
        """The project's files, read once for every check of the run."""
        if self._files is None:
            self._files = ProjectFiles(self.root)
        return self._files
