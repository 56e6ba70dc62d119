"""style: yamllint over ``.dig`` and YAML files, as warnings.

yamllint is GPL-licensed, so it runs as an external command (``yamllint -f parsable``), never
imported; it runs in the background while the other checks run, split between the cores on a
large project. The configuration suits Digdag files: no ``---``, ``!include :`` allowed, long lines
and comment spacing as warnings, duplicate keys kept. Rules: ``style/<yamllint rule>``, all
warnings. When yamllint is not installed the check reports one ``style/unavailable`` warning.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
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
    return start(root).findings()


class Lint:
    """yamllint running over a project; ``findings()`` waits for it.

    yamllint takes about 4 ms per file, so a large project is split between one process per
    core (the files interleaved, so each gets a similar share).
    """

    FILES_PER_PROCESS = 100  # fewer files than this: one process is cheaper

    def __init__(self, root: Path):
        self.runs: list[tuple[subprocess.Popen, object]] = []
        self.ready: list[Finding] | None = None
        command = yamllint_command()
        if command is None:
            self.ready = [Finding(".", 1, 1, f"{ID}/unavailable", WARNING, "yamllint is not "
                                  "installed; style is not checked (pip install yamllint)")]
            return
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                       if p.suffix in (".dig", ".yml", ".yaml") and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(root).parts))
        if not files:
            self.ready = []
            return
        count = max(1, min(os.cpu_count() or 1, len(files) // self.FILES_PER_PROCESS))
        for share in (files[i::count] for i in range(count)):
            # Output to a file, not a pipe: a full pipe would stop yamllint until findings().
            output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
            process = subprocess.Popen([*command, "-f", "parsable", "-d", CONFIG, *share],
                                       cwd=root, stdout=output, stderr=subprocess.DEVNULL,
                                       text=True)
            self.runs.append((process, output))

    def findings(self, timeout: float = 300) -> list[Finding]:
        if self.ready is None:
            try:
                for process, _output in self.runs:
                    process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.stop()
                raise
            found = []
            for _process, output in self.runs:
                output.seek(0)
                found += _parse(output.read())
            self.ready = found
            self.stop()
        return self.ready

    def stop(self) -> None:
        for process, output in self.runs:
            if process.poll() is None:
                process.kill()
                process.wait()
            output.close()
        self.runs = []


def start(root: Path) -> Lint:
    """Start yamllint over ``root`` in the background (it runs on another core)."""
    return Lint(root)


def _parse(stdout: str) -> list[Finding]:
    findings = []
    for line in stdout.splitlines():
        match = _LINE_RX.match(line)
        if match:
            path, ln, col, _level, message, name = match.groups()
            findings.append(Finding(path, int(ln), int(col), f"{ID}/{name or 'syntax'}",
                                    WARNING, message))
    return findings
