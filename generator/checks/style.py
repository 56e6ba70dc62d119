"""style: yamllint over ``.dig`` and YAML files, as warnings.

yamllint is GPL-licensed, so it runs as an external command (``yamllint -f parsable``), never
imported; it runs in the background while the other checks run, split between the cores on a
large project. The configuration suits Digdag files: no ``---``, ``!include :`` allowed, long lines
and comment spacing as warnings, duplicate keys kept. Rules: ``style/<yamllint rule>``, all
warnings. When yamllint is not installed the check reports one ``style/unavailable`` warning.

Findings are cached by content (``FindingsCache``): a file whose bytes were linted before, by
the same yamllint version with the same configuration, is not linted again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..cache import KeyedFile
from ..findings import WARNING, Finding
from .context import PROJECT, CheckContext

ID = "style"
SCOPE = PROJECT
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
CACHE_FORMAT = 1  # of the cached findings: change it when _parse or the entries change
_LINE_RX = re.compile(r"^(.*?):(\d+):(\d+): \[(\w+)\] (.*?)(?: \(([\w-]+)\))?$")


def yamllint_command() -> list[str] | None:
    beside = Path(sys.executable).with_name("yamllint")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("yamllint")
    return [found] if found else None


def yamllint_version(command: list[str]) -> str:
    """The version of the yamllint that ``command`` runs (package metadata when it is the one
    installed beside this Python, else ``yamllint --version``)."""
    if Path(command[0]) == Path(sys.executable).with_name("yamllint"):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("yamllint")
        except PackageNotFoundError:
            pass
    return subprocess.run([*command, "--version"], capture_output=True, text=True,
                          check=False).stdout.strip()


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.cache)


def check_project(root: Path, cache: Path | None = None) -> list[Finding]:
    return start(root, cache).findings()


class FindingsCache(KeyedFile):
    """yamllint's findings per file content, in ``folder`` (``None``: no cache).

    One JSON file per yamllint version and configuration maps the SHA-256 of a file's bytes to
    its findings (line, column, rule, message), so an entry can never answer for other bytes,
    another yamllint or another configuration. Written atomically; entries the last check did
    not use are dropped once the file would hold more than ``LIMIT`` (or twice what it used).
    """

    LIMIT = 20_000  # entries: about 1 MB, read in a few milliseconds

    def __init__(self, folder: Path | None, command: list[str]):
        path = None
        if folder is not None:
            key = hashlib.sha256(f"{CACHE_FORMAT}\0{yamllint_version(command)}\0{CONFIG}"
                                 .encode()).hexdigest()
            path = folder / f"yamllint-{key[:16]}.json"
        super().__init__(path, self.LIMIT)

    def get(self, digest: str) -> list | None:
        found = self.entries.get(digest) if self.path else None
        if not isinstance(found, list) or not all(
                isinstance(f, list) and len(f) == 4 for f in found):
            return None  # never seen (or not an entry this code wrote)
        self.used[digest] = found
        return found

    def put(self, digest: str, findings: list[Finding]) -> None:
        self.used[digest] = [[f.line, f.column, f.rule, f.message] for f in findings]

    def save(self) -> None:
        if not all(d in self.entries for d in self.used):
            self.write()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # unreadable: yamllint says why


def _project_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.suffix in (".dig", ".yml", ".yaml") and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


class Lint:
    """yamllint running over a project; ``findings()`` waits for it.

    Files whose findings are cached are not linted. yamllint takes about 4 ms per file, so
    many files are split between one process per core (interleaved, so each gets a similar
    share).
    """

    FILES_PER_PROCESS = 100  # fewer files than this: one process is cheaper

    def __init__(self, root: Path, cache: Path | None = None):
        self.runs: list[tuple[subprocess.Popen, object]] = []
        self.shares: list[list[str]] = []  # the files of each run
        self.ready: list[Finding] | None = None
        command = yamllint_command()
        if command is None:
            self.ready = [Finding(".", 1, 1, f"{ID}/unavailable", WARNING, "yamllint is not "
                                  "installed; style is not checked (pip install yamllint)")]
            return
        self.cache = FindingsCache(cache, command)
        self.cached: list[Finding] = []
        self.digests: dict[str, str] = {}
        files = self._uncached(root, _project_files(root))
        if not files:
            self.ready = self._finish([])
            return
        count = max(1, min(os.cpu_count() or 1, len(files) // self.FILES_PER_PROCESS))
        for share in (files[i::count] for i in range(count)):
            self._spawn(command, root, share)

    def _spawn(self, command: list[str], root: Path, share: list[str]) -> None:
        # Output to a file, not a pipe: a full pipe would stop yamllint until findings().
        output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        process = subprocess.Popen([*command, "-f", "parsable", "-d", CONFIG, *share],
                                   cwd=root, stdout=output, stderr=subprocess.DEVNULL, text=True)
        self.runs.append((process, output))
        self.shares.append(share)

    def _uncached(self, root: Path, files: list[str]) -> list[str]:
        """The files to lint; the findings of the others are taken from the cache."""
        if self.cache.path is None:
            return files
        todo = []
        for rel in files:
            digest = _digest(root / rel)
            found = self.cache.get(digest) if digest else None
            if digest:
                self.digests[rel] = digest
            if found is None:
                todo.append(rel)
            else:
                self.cached += [Finding(rel, ln, col, rule, WARNING, message)
                                for ln, col, rule, message in found]
        return todo

    def _finish(self, linted: list[tuple[list[str], list[Finding]]]) -> list[Finding]:
        """Every finding; those of files yamllint finished linting are cached."""
        found = list(self.cached)
        for files, findings in linted:
            found += findings
            by_file: dict[str, list[Finding]] = {rel: [] for rel in files}
            for f in findings:
                if f.path in by_file:
                    by_file[f.path].append(f)
            for rel, mine in by_file.items():
                if rel in self.digests:
                    self.cache.put(self.digests[rel], mine)
        self.cache.save()
        return found

    def findings(self, timeout: float = 300) -> list[Finding]:
        if self.ready is None:
            try:
                for process, _output in self.runs:
                    process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.stop()
                raise
            linted = []
            for (process, output), share in zip(self.runs, self.shares, strict=True):
                output.seek(0)
                done = process.returncode in (0, 1)  # 1: problems found; else it failed
                linted.append((share if done else [], _parse(output.read())))
            self.ready = self._finish(linted)
            self.stop()
        return self.ready

    def stop(self) -> None:
        for process, output in self.runs:
            if process.poll() is None:
                process.kill()
                process.wait()
            output.close()
        self.runs = []


LABEL = "style (yamllint)"


def start_check(ctx: CheckContext) -> Lint:
    return start(ctx.root, ctx.cache)


def start(root: Path, cache: Path | None = None) -> Lint:
    """Start yamllint over ``root`` in the background (it runs on another core); findings are
    cached in the folder ``cache`` (``None``: no cache)."""
    return Lint(root, cache)


def _parse(stdout: str) -> list[Finding]:
    findings = []
    for line in stdout.splitlines():
        match = _LINE_RX.match(line)
        if match:
            path, ln, col, _level, message, name = match.groups()
            findings.append(Finding(path, int(ln), int(col), f"{ID}/{name or 'syntax'}",
                                    WARNING, message))
    return findings
