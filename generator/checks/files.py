"""What the checks of one run read from a Digdag project, each file read and parsed once.

Every check walks every workflow: loading them again in each check, and the shared
``config/database.yml`` again in each workflow, made ``tdgen check`` slow and quadratic in the
number of sources. One ``ProjectFiles`` per run holds the loaded workflows and the text of the
files they name; it assumes the files do not change during the run.
"""

from __future__ import annotations

from pathlib import Path

from ..digdag.reader import DigFile, ReadCache, workflow_files
from ..findings import Finding


class ProjectFiles:
    def __init__(self, root: Path):
        self.root = root
        self._reads = ReadCache()
        self._workflow_files: list[str] | None = None
        self._workflows: dict[str, tuple[DigFile | None, list[Finding]]] = {}
        self._texts: dict[str, str | None] = {}
        self._lines: dict[str, list[str]] = {}

    def workflow_files(self) -> list[str]:
        if self._workflow_files is None:
            self._workflow_files = workflow_files(self.root)
        return self._workflow_files

    def workflow(self, rel: str) -> tuple[DigFile | None, list[Finding]]:
        """The workflow loaded with its includes, or None and why it does not load."""
        if rel not in self._workflows:
            from .digdag_rules import load_workflow

            self._workflows[rel] = load_workflow(self.root, rel, self._reads)
        return self._workflows[rel]

    def workflows(self):
        """(rel, DigFile) of every workflow that loads, in file order."""
        for rel in self.workflow_files():
            dig, _ = self.workflow(rel)
            if dig is not None:
                yield rel, dig

    def text(self, rel: str) -> str | None:
        """The text of a file of the project (read once), or None when it is not a file."""
        if rel not in self._texts:
            path = self.root / rel
            self._texts[rel] = path.read_text(encoding="utf-8") if path.is_file() else None
        return self._texts[rel]

    def is_file(self, rel: str) -> bool:
        return self.text(rel) is not None

    def lines(self, rel: str) -> list[str]:
        """The lines of a file ([] when it cannot be read)."""
        if rel not in self._lines:
            try:
                text = self.text(rel)
            except (OSError, UnicodeDecodeError):
                text = None
            self._lines[rel] = text.split("\n") if text is not None else []
        return self._lines[rel]
