"""The project archive, built exactly as ``digdag push`` builds it (Digdag's ``Archiver``).

- Files and directories whose name starts with ``.`` are left out at any depth, and such a
  directory is not descended (so ``.digdagignore`` and ``.digdag/`` are never uploaded).
- The root ``.digdagignore`` (gitignore syntax, see ``ignore``) leaves out what it matches.
- Directories are not stored: the server creates them when it extracts the archive.
- POSIX permission bits are kept.
- A symbolic link pointing inside the project is stored as a link (relative to its folder) and
  not followed; one pointing outside is an error (``digdag push`` would need
  ``--copy-outgoing-symlinks``). A link to its own folder is stored with an empty target, and
  a link that loops (``a -> a``) as the link it is, as Digdag stores them.
- A ``.digdagignore`` pattern JGit refuses is skipped; ``Archive.warnings`` says which.

The result is a gzip-compressed tar; entries are written in name order and the gzip header has
no timestamp, so the same files give the same bytes.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .ignore import IgnoreRule, is_ignored, parse_rules

IGNORE_FILE = ".digdagignore"
FILE = "file"
SYMLINK = "symlink"


class ArchiveError(ConfigError):
    """The project folder cannot be archived as it is (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One archive entry: a regular file, or a symbolic link to ``link``."""

    name: str  # relative to the project, '/'-separated (Digdag's resource name)
    kind: str
    mode: int  # permission bits
    size: int  # bytes of content (0 for a link)
    mtime: int
    link: str | None = None


@dataclass(frozen=True)
class Archive:
    data: bytes
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()  # .digdagignore patterns skipped

    @property
    def size(self) -> int:
        """Bytes of the tar.gz: what the upload sends."""
        return len(self.data)

    @property
    def content_size(self) -> int:
        """Bytes of the files once extracted: what the server totals against its limit."""
        return sum(e.size for e in self.entries)


def project_entries(folder: Path, warnings: list[str] | None = None) -> list[Entry]:
    """Every entry ``digdag push`` would archive from ``folder``, in name order."""
    root = Path(os.path.normpath(os.path.abspath(folder)))
    if not root.is_dir():
        raise ArchiveError(f"{folder}: no such project folder")
    rules = _ignore_rules(root, warnings)
    entries: list[Entry] = []
    _walk(root, root, rules, entries)
    return entries


def build_archive(folder: Path) -> Archive:
    """The tar.gz of ``folder`` with the entries of ``project_entries``."""
    import gzip
    import tarfile

    root = Path(os.path.normpath(os.path.abspath(folder)))
    warnings: list[str] = []
    entries = project_entries(root, warnings)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.mode, info.mtime = entry.mode, entry.mtime
            if entry.kind == SYMLINK:
                info.type, info.linkname = tarfile.SYMTYPE, entry.link or ""
                tar.addfile(info)
                continue
            info.size = entry.size
            with open(root / entry.name, "rb") as content:
                tar.addfile(info, content)
    return Archive(buffer.getvalue(), tuple(entries), tuple(warnings))


def _ignore_rules(root: Path, warnings: list[str] | None) -> list[IgnoreRule]:
    path = root / IGNORE_FILE
    if not path.is_file():
        return []
    return parse_rules(path.read_text(encoding="utf-8", errors="replace"), warnings)


def _walk(root: Path, folder: Path, rules: list[IgnoreRule], out: list[Entry]) -> None:
    for child in sorted(os.scandir(folder), key=lambda e: e.name):
        if child.name.startswith("."):
            continue
        path = Path(child.path)
        name = path.relative_to(root).as_posix()
        is_dir = _is_dir(child)
        if rules and is_ignored(rules, name, is_dir):
            continue
        if child.is_symlink():
            out.append(_symlink_entry(root, path, name))
        elif is_dir:
            _walk(root, path, rules, out)
        elif child.is_file():
            st = child.stat()
            out.append(Entry(name, FILE, stat.S_IMODE(st.st_mode) & 0o777, st.st_size,
                             int(st.st_mtime)))
        else:
            raise ArchiveError(f"{name}: not a regular file, a folder or a link; Digdag cannot "
                               "archive it")


def _is_dir(child: os.DirEntry) -> bool:
    """Follows links, as Digdag's filter does; a link that loops or dangles is no folder."""
    try:
        return child.is_dir()
    except OSError:
        return False


def _symlink_entry(root: Path, path: Path, name: str) -> Entry:
    """A link inside the project, made relative to its folder; outside is an error."""
    raw = os.readlink(path)
    target = os.path.normpath(os.path.join(path.parent, raw))
    if target != str(root) and not target.startswith(str(root) + os.sep):
        raise ArchiveError(f"{name}: the symbolic link points outside the project "
                           f"({raw}); copy the file into workflows/ or remove the link")
    link = os.path.relpath(target, path.parent).replace(os.sep, "/")
    link = "" if link == "." else link  # Digdag stores a link to its own folder as empty
    st = path.lstat()
    return Entry(name, SYMLINK, stat.S_IMODE(st.st_mode) & 0o777, 0, int(st.st_mtime), link)
