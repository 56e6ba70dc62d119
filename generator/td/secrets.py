"""Project secrets: the keys the workflows reference, the local values, and their upload.

Values come from ``credentials_ingestion.json`` at the repository root (git-ignored; the
committed ``credentials_ingestion.example.json`` lists every key with a placeholder). No
function here returns, prints or logs a value: results carry key names and counts only.

TD never returns a secret's value, so "unchanged" is known from our own record: after each
upload ``.tdgen/secrets-state.json`` (git-ignored, mode 600) keeps a salted HMAC of the value
per endpoint, project and key. A key is unchanged when TD lists it and its value still has the
recorded fingerprint; ``force`` uploads every key anyway.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, UsageError
from .archive import FILE, project_entries
from .config import TdConfig
from .masking import register
from .workflow_api import WorkflowApi

CREDENTIALS_FILE = "credentials_ingestion.json"
EXAMPLE_FILE = "credentials_ingestion.example.json"
STATE_FILE = ".tdgen/secrets-state.json"
SECRET_REF = re.compile(r"\$\{secret:([^}]*)\}")
MAX_VALUE_BYTES = 16 * 1024
_PLACEHOLDER = re.compile(r"^<.*>$", re.DOTALL)


@dataclass(frozen=True)
class MissingKey:
    """A key some ``${secret:KEY}`` in workflows/ uses and credentials_ingestion.json lacks."""

    key: str
    used_in: list[str]  # the files that reference it
    on_td: bool | None  # already set on the project (None: TD was not asked, offline)

    def to_dict(self) -> dict:
        return {"key": self.key, "used_in": self.used_in, "on_td": self.on_td}


@dataclass(frozen=True)
class SecretsResult:
    project: str
    project_id: str
    set: list[str]  # keys uploaded (or that a dry run would upload)
    unchanged: list[str]
    dry_run: bool
    unreferenced: list[str] = field(default_factory=list)  # in the file, used by nothing
    skipped: list[str] = field(default_factory=list)  # unreferenced and not uploaded (no --all)
    missing: list[MissingKey] = field(default_factory=list)  # used, no value in the file

    @property
    def unresolved(self) -> list[MissingKey]:
        """Keys the workflows use that have a value neither in the file nor on TD."""
        return [m for m in self.missing if m.on_td is False]


def secret_references(folder: Path) -> dict[str, list[str]]:
    """Each ``${secret:KEY}`` in the files ``digdag push`` would upload -> the files using it."""
    refs: dict[str, list[str]] = {}
    for entry in project_entries(folder):
        if entry.kind != FILE:
            continue
        text = (folder / entry.name).read_text(encoding="utf-8", errors="replace")
        for key in sorted(set(SECRET_REF.findall(text))):
            refs.setdefault(key.strip(), []).append(entry.name)
    return dict(sorted(refs.items()))


def load_credentials(root: Path) -> dict[str, str]:
    """The keys and values of ``credentials_ingestion.json``; errors name keys, never values."""
    path = root / CREDENTIALS_FILE
    if not path.is_file():
        raise ConfigError(f"{CREDENTIALS_FILE} not found in {root}: copy {EXAMPLE_FILE} to "
                          f"{CREDENTIALS_FILE} and fill in the real values (git ignores it)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{CREDENTIALS_FILE}:{exc.lineno}:{exc.colno}: not valid JSON "
                          f"({exc.msg})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{CREDENTIALS_FILE}: expected an object of secret key -> value")
    register(*(v for v in data.values() if isinstance(v, str)))
    for key, value in data.items():
        _validate(key, value)
    return data


def placeholders(root: Path, credentials: dict[str, str]) -> list[str]:
    """Keys whose value is still a placeholder (``<...>`` or the example's own value)."""
    example: dict = {}
    path = root / EXAMPLE_FILE
    if path.is_file():
        try:
            example = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            example = {}
    return sorted(k for k, v in credentials.items()
                  if not v.strip() or _PLACEHOLDER.match(v.strip()) or example.get(k) == v)


def upload_secrets(root: Path, config: TdConfig, dry_run: bool = False, all_keys: bool = False,
                   force: bool = False) -> SecretsResult:
    """Set the keys of ``credentials_ingestion.json`` as secrets of the project.

    Keys no ``${secret:...}`` in workflows/ references are reported and, unless ``all_keys``,
    not uploaded (a stale or misspelt key); keys the workflows reference that the file lacks
    are reported with whether TD already has them. Values are never returned.
    """
    from ..spec.project import load_settings

    credentials = load_credentials(root)
    used = secret_references(root / "workflows")
    unreferenced = sorted(set(credentials) - set(used))
    skipped = [] if all_keys else unreferenced
    upload = {k: v for k, v in credentials.items() if k not in skipped}
    _refuse_placeholders(root, upload)
    name = load_settings(root).project
    if dry_run and not config.api_key:  # offline: what the file alone would set
        return SecretsResult(name, "", sorted(upload), [], True, unreferenced, skipped,
                             _missing(used, credentials, None))
    api = WorkflowApi(config.workflow_endpoint, config.require_key())
    remote = api.project(name)
    if remote is None:
        raise UsageError(f"TD Workflow has no project '{name}' at {config.workflow_endpoint}; "
                         "run `tdgen push` first")
    state = SecretState.load(root, f"{config.workflow_endpoint} {remote.id}")
    listed = set(api.secret_keys(remote.id))
    unchanged = sorted(k for k, v in upload.items()
                       if not force and k in listed and state.matches(k, v))
    pending = sorted(k for k in upload if k not in unchanged)
    missing = _missing(used, credentials, listed)
    if not dry_run:
        try:
            for key in pending:
                api.set_secret(remote.id, key, upload[key])
                state.record(key, upload[key])
        finally:
            state.save()
    return SecretsResult(name, remote.id, pending, unchanged, dry_run, unreferenced, skipped,
                         missing)


def _missing(used: dict[str, list[str]], credentials: dict, listed: set | None
             ) -> list[MissingKey]:
    """Keys the workflows use that the file lacks; ``listed``: TD's keys (None: not asked)."""
    return [MissingKey(k, files, None if listed is None else k in listed)
            for k, files in used.items() if k not in credentials]


def _refuse_placeholders(root: Path, credentials: dict[str, str]) -> None:
    unfilled = placeholders(root, credentials)
    if unfilled:
        raise ConfigError(f"{CREDENTIALS_FILE}: still a placeholder or empty: "
                          f"{', '.join(unfilled)}; fill in the real values")


def _validate(key: object, value: object) -> None:
    from ..spec.names import is_valid  # Digdag's SecretValidation, one home for the rule

    if not is_valid("secret key", key):
        raise ConfigError(f"{CREDENTIALS_FILE}: '{key}' is not a valid secret key (letters, "
                          "digits, '_' and '-', segments separated by '.')")
    if not isinstance(value, str):
        raise ConfigError(f"{CREDENTIALS_FILE}: {key}: the value must be a string")
    if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise ConfigError(f"{CREDENTIALS_FILE}: {key}: the value is longer than "
                          f"{MAX_VALUE_BYTES} bytes, TD's limit")


class SecretState:
    """Salted fingerprints of the values last uploaded, per endpoint and project (``scope``)."""

    def __init__(self, path: Path, scope: str, data: dict):
        self.path, self.scope, self.data = path, scope, data
        self.keys: dict[str, str] = data.setdefault("projects", {}).setdefault(scope, {})

    @classmethod
    def load(cls, root: Path, scope: str) -> SecretState:
        import secrets as token

        path = root / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (json.JSONDecodeError, OSError):
            data = {}
        if not isinstance(data, dict) or not _is_hex(data.get("salt")) \
                or not isinstance(data.get("projects", {}), dict):
            data = {"salt": token.token_hex(32)}
        return cls(path, scope, data)

    def fingerprint(self, key: str, value: str) -> str:
        import hashlib
        import hmac

        message = f"{self.scope}\0{key}\0{value}".encode()
        return hmac.new(bytes.fromhex(self.data["salt"]), message, hashlib.sha256).hexdigest()

    def matches(self, key: str, value: str) -> bool:
        import hmac

        recorded = self.keys.get(key)
        return recorded is not None and hmac.compare_digest(recorded,
                                                            self.fingerprint(key, value))

    def record(self, key: str, value: str) -> None:
        self.keys[key] = self.fingerprint(key, value)

    def save(self) -> None:
        import os

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self.data, out, indent=2, sort_keys=True)


def _is_hex(text: object) -> bool:
    return isinstance(text, str) and len(text) >= 32 and \
        re.fullmatch(r"(?:[0-9a-f]{2})+", text) is not None


def secrets_summary(result: SecretsResult) -> str:
    """Key names and counts; never a value."""
    verb = "would set" if result.dry_run else "set"
    lines = [f"{verb:>10}  {k}" for k in result.set]
    lines += [f"{'unchanged':>10}  {k}" for k in result.unchanged]
    for key in result.unreferenced:
        what = ("uploaded anyway (--all)" if key not in result.skipped
                else "not uploaded; --all uploads it")
        lines.append(f"{'unused':>10}  {key}: no ${{secret:...}} in workflows/ references "
                     f"it ({what})")
    for m in result.missing:
        where = ", ".join(m.used_in[:3]) + (", ..." if len(m.used_in) > 3 else "")
        state = {True: "already set on TD, kept", None: "TD not asked: no API key",
                 False: "and not set on TD: the workflows that use it will fail"}[m.on_td]
        lines.append(f"{'missing':>10}  {m.key}: used in {where}, no value in "
                     f"{CREDENTIALS_FILE} ({state})")
    counts = [f"{len(result.set)} {verb}", f"{len(result.unchanged)} unchanged"]
    if result.unreferenced:
        counts.append(f"{len(result.unreferenced)} unused")
    if result.missing:
        counts.append(f"{len(result.missing)} missing" + (
            f" ({len(result.unresolved)} not on TD)" if result.project_id else ""))
    where = f"id {result.project_id}" if result.project_id else "offline: TD not asked"
    lines.append(f"{', '.join(counts)} (project {result.project}, {where})"
                 + ("; dry run: nothing was uploaded" if result.dry_run else ""))
    return "\n".join(lines)
