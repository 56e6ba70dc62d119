"""The one masking funnel: every message that may carry the API key or a secret value.

The key (once read) and every value of ``credentials_ingestion.json`` (once loaded) are
registered here; ``mask`` replaces each of them in a text, in every form a server or a library
may echo: as is, stripped of surrounding whitespace, URL-encoded (``%2F`` or ``%2f``, ``+`` for
a space), JSON-escaped, and base64 (standard and URL-safe, at any alignment in the encoded
text). ``cut`` masks before it shortens, so a cut never leaves most of a key readable. The
command line passes every error message and traceback through ``mask``.

Values shorter than ``MIN_LENGTH`` are not masked (masking ``1`` or ``yes`` everywhere would
garble every message while hiding nothing an attacker could not guess).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse

MASK = "****"
MIN_LENGTH = 4
_LOCK = threading.Lock()
_SECRETS: set[str] = set()
_FORMS: list[str] = []  # every form of every secret, longest first


def register(*values: object) -> None:
    """Mask these values (and their encoded forms) in every later message."""
    fresh = {str(v) for v in values if v is not None and str(v) not in _SECRETS}
    if not fresh:
        return
    with _LOCK:
        _SECRETS.update(fresh)
        forms = {form for secret in _SECRETS for form in forms_of(secret)}
        _FORMS[:] = sorted(forms, key=lambda f: (-len(f), f))


def forms_of(secret: str) -> set[str]:
    """The forms of ``secret`` worth masking (each at least ``MIN_LENGTH`` long)."""
    forms = set()
    for text in {secret, secret.strip()}:
        forms |= {text, json.dumps(text)[1:-1], urllib.parse.quote(text, safe=""),
                  urllib.parse.quote_plus(text)}
        forms |= {_lower_hex(f) for f in set(forms)}
        forms |= set(_base64_cores(text.encode("utf-8")))
    return {f for f in forms if len(f) >= MIN_LENGTH}


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def _base64_cores(data: bytes):
    """The part of base64(prefix + data) fixed by ``data`` alone, for each alignment."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        start, end = -(-8 * offset // 6), 8 * (offset + len(data)) // 6
        core = encoded[start:end]
        yield core
        yield core.replace("+", "-").replace("/", "_")


def mask(text: object, *extra: str | None) -> str:
    """``text`` with every registered secret (and ``extra`` ones) masked in every form."""
    result = str(text)
    forms = _FORMS if not any(extra) else sorted(
        set(_FORMS) | {f for e in extra if e for f in forms_of(e)}, key=lambda f: (-len(f), f))
    for form in forms:
        if form in result:
            result = result.replace(form, MASK)
    return result


def cut(text: object, limit: int) -> str:
    """Mask, then shorten to ``limit`` characters: never the other way round."""
    masked = mask(text)
    return masked if len(masked) <= limit else masked[:limit] + "..."
