"""style: yamllint over ``.dig`` and YAML files, as warnings.

yamllint is GPL-licensed, so it runs as an external command (``yamllint -f parsable``), never
imported. The configuration suits Digdag files: no ``---``, ``!include :`` allowed, long lines
and comment spacing as warnings, duplicate keys kept. Rules: ``style/<yamllint rule>``, all
warnings. When yamllint is not installed the check reports one ``style/unavailable`` warning.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..findings import WARNING, Finding

ID = "style"
CONFIG = """\
extends: default
yaml-files: ['*.dig', '*.yml', '*.yaml']
rules:
  document-start: disable
  colons: {max-spaces-before: -1, max-spaces-after: -1}
  line-length: {max: 200, allow-non-breakable-inline-mappings: true}
  truthy: {allowed-values: ['true', 'false'], check-keys: false}
  comments: {min-spaces-from-content: 1}
  indentation: {spaces: consistent, indent-sequences: whatever}
  braces: {max-spaces-inside: 1}
  brackets: {max-spaces-inside: 1}
  empty-lines: {max: 2}
"""
_LINE_RX = re.compile(r"^(.*?):(\d+):(\d+): \[(\w+)\] (.*?)(?: \(([\w-]+)\))?$")


def yamllint_command() -> list[str] | None:
    beside = Path(sys.executable).with_name("yamllint")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("yamllint")
    return [found] if found else None


def check_project(root: Path) -> list[Finding]:
    command = yamllint_command()
    if command is None:
        return [Finding(".", 1, 1, f"{ID}/unavailable", WARNING, "yamllint is not installed; "
                        "style is not checked (pip install yamllint)")]
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.suffix in (".dig", ".yml", ".yaml") and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        return []
    result = subprocess.run([*command, "-f", "parsable", "-d", CONFIG, *files], cwd=root,
                            capture_output=True, text=True, timeout=300, check=False)
    findings = []
    for line in result.stdout.splitlines():
        match = _LINE_RX.match(line)
        if match:
            path, ln, col, _level, message, name = match.groups()
            findings.append(Finding(path, int(ln), int(col), f"{ID}/{name or 'syntax'}",
                                    WARNING, message))
    return findings
