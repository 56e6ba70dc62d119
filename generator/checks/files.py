"""What the checks of one run read from a Digdag project, each file read and parsed once.

Every check walks every workflow: loading them again in each check, and the shared
``config/database.yml`` again in each workflow, made ``tdgen check`` slow and quadratic in the
number of sources. One ``ProjectFiles`` per run holds the loaded workflows and the text of the
files they name; it assumes the files do not change during the run.

The files a task names (``referenced_files``) are here too: the digdag, expr, sql,
load-config and references checks all follow them. A workflow that does not load is reported
under the digdag check's ``load`` and ``workflow-name`` rules.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..digdag.reader import DigFile, DigLoadError, ReadCache, load_dig, workflow_files
from ..digdag.tree import Task
from ..findings import ERROR, Finding

_VAR_RX = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")


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


def load_workflow(root: Path, rel: str, reads: ReadCache | None = None
                  ) -> tuple[DigFile | None, list[Finding]]:
    if rel[:1].isdigit() or rel[:1] in '+^@/\\:*?"<>|':
        return None, [Finding(rel, 1, 1, "digdag/workflow-name", ERROR,
                              f"workflow name '{rel[:-4]}' must not start with a digit or one "
                              "of + ^ @ / \\ : * ? \" < > |")]
    try:
        dig = load_dig(root, rel, reads)
    except DigLoadError as exc:
        f = exc.finding
        return None, [Finding(f.path, f.line, f.column, "digdag/load", f.level, f.message)]
    if not isinstance(dig.data, dict):
        return None, [Finding(rel, 1, 1, "digdag/load", ERROR,
                              "Expected object to load Config: a workflow is a YAML mapping")]
    return dig, []


def referenced_files(task: Task) -> list[str | None]:
    """Files a task's operator reads (relative to the project; None: not known statically)."""
    op = task.operator
    command = task.config.get(op) if op else None
    if not isinstance(command, str) or not command:
        return []
    if op == "call>":
        command = command if command.endswith(".dig") else command + ".dig"
    elif op == "td_load>" and not command.endswith((".yml", ".yaml", "}")):
        return []  # a saved source's unique id, not a file
    elif op not in ("td>", "td_wait>", "td_for_each>", "td_load>", "call>"):
        return []
    # an exported mapping (a per-object workflow's `datasource:`) is a list of one entry
    known = {name: [value] for name, value in task.scope.exports.items()
             if isinstance(value, dict)}
    out = []
    for name in expand(command, {**known, **task.scope.loops}):
        out.append(None if name is None else
                   (PurePosixPath(task.scope.workdir or ".") / name).as_posix())
    return out


def expand(target: str, loops: dict) -> list[str | None]:
    """The names ``target`` can take: ``${var.attr}`` expanded over a known loop list."""
    if "${" not in target:
        return [target]
    matches = list(_VAR_RX.finditer(target))
    if len(matches) != 1 or "${" in _VAR_RX.sub("", target):
        return [None]
    var, attr = matches[0].group(1), matches[0].group(2)
    values = loops.get(var)
    if values is None:
        return [None]
    out = []
    for item in values:
        value = item.get(attr) if isinstance(item, dict) else None
        out.append(None if value is None else target.replace(matches[0].group(0), str(value)))
    return out
