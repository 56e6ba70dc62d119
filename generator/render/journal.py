"""All files of one ``tdgen generate`` appear at once or not at all: a journal and a lock.

Writing goes in three steps. First every new file is staged in ``.tdgen/generate-journal/``
(git-ignored, on the same file system as the tree): an error there (a full disk, a folder
that cannot be written) removes the journal and leaves the tree as it was. Then the manifest
(each target and its staged file, or a removal) is renamed into place: that rename is the
commit. Last, each staged file is renamed over its target and removed files are deleted. A
run killed after the commit leaves the journal: the next ``tdgen generate`` completes it
before anything else, and ``tdgen check`` and the push pre-flight report it. A run killed
before the commit leaves only a staging folder, which the next run discards.

One run at a time: ``.tdgen/generate.lock`` (``flock``) makes a second run wait up to
``LOCK_WAIT`` seconds, then refuse with a message.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError

JOURNAL = ".tdgen/generate-journal"
LOCK = ".tdgen/generate.lock"
MANIFEST = "manifest.json"
LOCK_WAIT = 30.0


@contextmanager
def locked(root: Path, wait: float | None = None):
    """Hold the generation lock of ``root``; wait for another run (``LOCK_WAIT`` seconds by
    default), then refuse."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock on this platform
        yield
        return
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConfigError(f"another `tdgen generate` is writing {root} (it holds "
                                      f"{LOCK}); wait for it to finish, then run again") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def interrupted(root: Path) -> bool:
    """True when a committed change was not completed (a run killed while writing)."""
    return (root / JOURNAL / MANIFEST).is_file()


def complete(root: Path) -> None:
    """Finish a committed change left by a killed run; discard an uncommitted staging."""
    folder = root / JOURNAL
    if (folder / MANIFEST).is_file():
        _replay(root, json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    shutil.rmtree(folder, ignore_errors=True)


def recover(root: Path) -> None:
    """``complete`` under the lock: what ``tdgen generate`` does before it compares."""
    if (root / JOURNAL).exists():
        with locked(root):
            complete(root)


def write_all(root: Path, changes: list[tuple[str, str | None]]) -> None:
    """Write every ``(path, text)`` (``None``: remove the file) at once, or none of them."""
    folder = root / JOURNAL
    complete(root)
    manifest = _stage(root, folder, changes)
    tmp = folder / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / MANIFEST)  # the commit
    _replay(root, manifest)
    shutil.rmtree(folder, ignore_errors=True)


def _stage(root: Path, folder: Path, changes) -> list[list]:
    manifest = []
    try:
        (folder / "files").mkdir(parents=True)
        for index, (path, text) in enumerate(changes):
            _writable(root, path)
            staged = None if text is None else f"files/{index}"
            if text is not None:
                _write(folder / staged, text)
            manifest.append([path, staged])
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        where = exc.filename or "the journal"
        raise ConfigError(f"cannot write {where} ({exc.strerror or exc}); nothing was "
                          "changed") from None
    return manifest


def _write(target: Path, text: str) -> None:
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(target, 0o644)


def _writable(root: Path, path: str) -> None:
    """Raise ``OSError`` now, before the commit, if ``path``'s folder cannot take a file."""
    folder = (root / path).parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(13, "permission denied", str(folder))


def _replay(root: Path, manifest: list[list]) -> None:
    folder = root / JOURNAL
    for path, staged in manifest:
        target = root / path
        try:
            if staged is None:
                target.unlink(missing_ok=True)
            elif (folder / staged).exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(folder / staged, target)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot write it ({exc.strerror or exc}) after the "
                              "change was committed; fix the cause and run `tdgen generate` "
                              f"again: it completes the change kept in {JOURNAL}") from None
