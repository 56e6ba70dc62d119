"""Where TD is and how to talk to it: the API key, the two endpoints and a few limits.

Read from the environment (``TD_API_KEY``; ``TD_SITE`` or ``TD_API_ENDPOINT`` and
``TD_WORKFLOW_ENDPOINT``), then from ``.tdgen/config.yml`` at the repository root (git-ignored);
the environment wins. The key never appears in a repr or an error message: it is registered with
the masking funnel (``masking``) as soon as it is read, stripped of the whitespace around it (a
YAML ``|`` block or ``TD_API_KEY=$'KEY\n'`` leaves a newline), and ``redact`` masks it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EXIT_FINDINGS, ConfigError, TdgenError
from . import masking

CONFIG_FILE = ".tdgen/config.yml"
MIB = 1024 * 1024
DEFAULT_MAX_ARCHIVE = 2 * MIB  # Digdag's default api.max_archive_total_size_limit
SITES = {  # TD_SITE -> the domain under api. and api-workflow.
    "us": "treasuredata.com",
    "eu01": "eu01.treasuredata.com",
    "ap01": "treasuredata.co.jp",
    "ap02": "ap02.treasuredata.com",
}
_FILE_KEYS = {"api_key", "site", "api_endpoint", "workflow_endpoint", "max_archive_size",
              "max_retry_delay", "query_wait_interval"}
_SIZE_RX = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB)?\s*$")
_SIZE_UNITS = {None: 1, "B": 1, "KiB": 1024, "MiB": MIB}
MASK = masking.MASK


class RemoteError(TdgenError):
    """TD answered with an error or could not be reached: the command failed (exit 1)."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True)
class TdConfig:
    """Everything a command needs to reach TD. ``api_key`` is ``None`` when not configured."""

    api_key: str | None = field(repr=False)
    api_endpoint: str
    workflow_endpoint: str
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE
    max_retry_delay: int = 600  # td-client's cumulative retry budget; -1 disables retries
    query_wait_interval: float = 2.0
    origin: str = "defaults"  # where the settings came from, for messages

    def __repr__(self) -> str:
        key = MASK if self.api_key else None
        return (f"TdConfig(api_key={key!r}, api_endpoint={self.api_endpoint!r}, "
                f"workflow_endpoint={self.workflow_endpoint!r}, "
                f"max_archive_bytes={self.max_archive_bytes})")

    def require_key(self) -> str:
        if not self.api_key:
            raise ConfigError("no TD API key: set TD_API_KEY (or api_key in "
                              f"{CONFIG_FILE}, which git ignores)")
        return self.api_key

    def redact(self, text: str) -> str:
        return redact(text, self.api_key)


def redact(text: str, key: str | None) -> str:
    """``text`` with ``key`` and every registered secret masked, in every form (``masking``)."""
    return masking.mask(text, key)


def site_endpoints(site: str) -> tuple[str, str]:
    """(API endpoint, Workflow endpoint) of a TD site such as ``us`` or ``eu01``."""
    domain = SITES.get(site.strip().lower())
    if domain is None:
        raise ConfigError(f"unknown TD site '{site}': expected one of {', '.join(SITES)}")
    return f"https://api.{domain}", f"https://api-workflow.{domain}"


def with_scheme(endpoint: str) -> str:
    """``host[:port]`` gets ``https://``; a URL is kept; a trailing slash is dropped."""
    endpoint = endpoint.strip().rstrip("/")
    return endpoint if re.match(r"^https?://", endpoint) else f"https://{endpoint}"


def parse_size(value: object, where: str) -> int:
    """``2097152``, ``"512KiB"`` or ``"2MiB"`` -> bytes."""
    match = _SIZE_RX.match(str(value)) if not isinstance(value, bool) else None
    if not match:
        raise ConfigError(f"{where}: '{value}' is not a size (bytes, or like 512KiB or 2MiB)")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def load_config(root: Path, environ: Mapping[str, str] | None = None) -> TdConfig:
    """The settings for ``root``: environment first, then ``.tdgen/config.yml``."""
    env = os.environ if environ is None else environ
    file = _read_file(root)
    api, workflow = _endpoints(env, file)
    key = api_key(env.get("TD_API_KEY") or file.get("api_key") or None)
    return TdConfig(
        api_key=key, api_endpoint=api, workflow_endpoint=workflow,
        max_archive_bytes=parse_size(file.get("max_archive_size", DEFAULT_MAX_ARCHIVE),
                                     f"{CONFIG_FILE}: max_archive_size"),
        max_retry_delay=_number(file, "max_retry_delay", 600, int),
        query_wait_interval=_number(file, "query_wait_interval", 2.0, float),
        origin="environment and " + CONFIG_FILE if file else "environment",
    )


def api_key(raw: object) -> str | None:
    """The key stripped of surrounding whitespace, registered for masking; a key with
    whitespace or control characters inside is refused (its value never printed)."""
    if raw is None:
        return None
    masking.register(str(raw))
    key = str(raw).strip()
    if not key:
        return None
    masking.register(key)
    if any(c.isspace() or not c.isprintable() for c in key):
        raise ConfigError("the TD API key contains whitespace or control characters inside "
                          "it; check TD_API_KEY (or api_key in " + CONFIG_FILE + ")")
    return key


def _endpoints(env: Mapping[str, str], file: dict) -> tuple[str, str]:
    """Each endpoint: explicit in the environment, the environment's site, then the file."""
    layers = [(env.get("TD_API_ENDPOINT"), env.get("TD_WORKFLOW_ENDPOINT"), env.get("TD_SITE")),
              (file.get("api_endpoint"), file.get("workflow_endpoint"), file.get("site"))]
    api = workflow = None
    for explicit_api, explicit_workflow, site in layers:
        from_site = site_endpoints(str(site)) if site else (None, None)
        api = api or explicit_api or from_site[0]
        workflow = workflow or explicit_workflow or from_site[1]
    default_api, default_workflow = site_endpoints("us")
    return with_scheme(str(api or default_api)), with_scheme(str(workflow or default_workflow))


def _read_file(root: Path) -> dict:
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{CONFIG_FILE}:{mark.line + 1}:{mark.column + 1}" if mark else CONFIG_FILE
        raise ConfigError(f"{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE}: expected a mapping of settings")
    unknown = sorted(set(map(str, data)) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"{CONFIG_FILE}: unknown setting(s) {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(_FILE_KEYS))}")
    return data


def _number(file: dict, name: str, default, kind):
    value = file.get(name, default)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{CONFIG_FILE}: {name}: '{value}' is not a number") from None
