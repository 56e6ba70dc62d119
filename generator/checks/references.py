"""references: names a workflow uses resolve to something.

Rules (``references/<rule>``):

- ``datasource-field``: every ``${var.field}`` used inside a ``for_each>`` over a list the
  workflow defines (in the task's settings and the files it names) exists in every entry of
  that list (Digdag silently gives ``""`` for a missing field);
- ``secret-key``: every ``${secret:KEY}`` has a key in ``credentials_ingestion.example.json``
  (when the project or repository has one);
- ``auth-id``: a ``td_authentication_id`` written as a number is not a placeholder (``123``,
  ``1234``, ``0``, repeated digits).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..digdag.tree import walk
from ..findings import ERROR, Finding
from ..spec.names import is_placeholder_id
from .files import ProjectFiles, referenced_files
from .context import PROJECT, CheckContext

ID = "references"
SCOPE = PROJECT
_FIELD_RX = re.compile(r"\$\{[^}]*?\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.credentials, ctx.files)


def check_project(root: Path, credentials: Path | None = None,
                  files: ProjectFiles | None = None) -> list[Finding]:
    files = files or ProjectFiles(root)
    findings: set[Finding] = set()
    for _rel, dig in files.workflows():
        for task in walk(dig):
            if isinstance(task.config, dict) and task.scope.loops:
                findings |= set(_fields(files, dig, task))
    findings |= set(_secrets(root, credentials, files))
    findings |= set(_auth_ids(root, files))
    return sorted(findings)


def _texts(files: ProjectFiles, dig, task):
    own = {k: v for k, v in task.config.items() if not (isinstance(k, str) and (
        k.startswith(("+", "^")) or k in ("_do", "_else_do", "_error", "_check")))}
    yield dig.where(task.path)[:3], json.dumps(own)
    for rel in referenced_files(task):
        if rel and files.is_file(rel):
            yield (rel, 1, 1), files.text(rel)


def _fields(files, dig, task):
    for (file, line, col), text in _texts(files, dig, task):
        for match in _FIELD_RX.finditer(text):
            var, field = match.group(1), match.group(2)
            entries = task.scope.loops.get(var)
            if not entries:
                continue
            missing = [str(e.get("name", i)) for i, e in enumerate(entries)
                       if isinstance(e, dict) and field not in e]
            if missing:
                ln, cn = line, col
                if file.endswith((".sql", ".yml", ".yaml")):
                    before = text[:match.start()]
                    ln, cn = 1 + before.count("\n"), match.start() - before.rfind("\n")
                yield Finding(file, ln, cn, f"{ID}/datasource-field", ERROR,
                              f"${{{var}.{field}}}: no '{field}' in the {var} entries "
                              f"{', '.join(missing[:5])} (Digdag would give an empty string)")


def _secrets(root: Path, credentials: Path | None, files: ProjectFiles):
    example = credentials or next((p / "credentials_ingestion.example.json"
                                   for p in (root, root.parent)
                                   if (p / "credentials_ingestion.example.json").is_file()), None)
    if example is None or not example.is_file():
        return
    keys = set(json.loads(example.read_text(encoding="utf-8")))
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".dig", ".yml", ".yaml", ".sql"):
            continue
        text = files.text(path.relative_to(root).as_posix())
        for match in re.finditer(r"\$\{secret:([A-Za-z0-9_.-]+)\}", text):
            if match.group(1) not in keys:
                before = text[:match.start()]
                yield Finding(path.relative_to(root).as_posix(), 1 + before.count("\n"),
                              match.start() - before.rfind("\n"), f"{ID}/secret-key", ERROR,
                              f"secret '{match.group(1)}' has no key in {example.name}")


def _auth_ids(root: Path, files: ProjectFiles):
    for path in sorted(root.rglob("*.yml")):
        if not path.is_file():
            continue  # a folder named *.yml
        text = files.text(path.relative_to(root).as_posix())
        for match in re.finditer(r"^(\s*)(td_authentication_id|default):\s*(\d+)\s*$", text,
                                 re.MULTILINE):
            if match.group(2) == "default" and "td_authentication_ids" not in text:
                continue
            if is_placeholder_id(int(match.group(3))):
                yield Finding(path.relative_to(root).as_posix(),
                              1 + text[:match.start()].count("\n") + (1 if text[match.start()]
                                                                       == "\n" else 0),
                              match.start(3) - text.rfind("\n", 0, match.start(3)),
                              f"{ID}/auth-id", ERROR, f"td_authentication_id {match.group(3)} "
                              "looks like a placeholder; use the id of the TD Authentication")

