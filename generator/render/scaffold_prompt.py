"""``generate-source`` on a terminal: ask for what the flags left out, objects included, with
a "did you mean" for a name the catalog does not know."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .scaffold import ScaffoldRequest, default_objects, missing_params, parse_column
from ..spec.diagnostics import did_you_mean


def ask_missing(connector, req: ScaffoldRequest, ask: Callable, say: Callable) -> None:
    """Fill ``req`` in place: ``ask(text, type=...)`` answers, ``say(text)`` explains."""
    if connector.auth == "td_authentication_id" and req.auth_id is None:
        req.auth_id = ask("TD Authentication id (the number in its URL in the Console)",
                          type=int)
    if not req.objects and not default_objects(connector):
        req.objects = _ask_until(lambda: _objects(connector, ask("Objects to load "
                                                                 "(comma-separated)")), say)
    for name in missing_params(connector, req):
        if name in ("parser", "columns"):
            req.columns = _ask_until(lambda: _columns(ask("Columns (NAME:TYPE, "
                                                          "comma-separated)")), say)
        else:
            req.params[name] = ask(f"{name} ({connector.params[name].description})")


def _ask_until(answer: Callable, say: Callable, tries: int = 5):
    for _ in range(tries - 1):
        try:
            return answer()
        except UsageError as exc:
            say(f"  {exc}")
    return answer()


def _objects(connector, text: str) -> list[str]:
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    if not names:
        raise UsageError("name at least one object")
    for name in names:
        if connector.objects and name not in connector.objects:
            raise UsageError(f"'{name}' is not a known {connector.type} object"
                             f"{did_you_mean(name, connector.objects)} (known: "
                             f"{', '.join(connector.objects)})")
    return names


def _columns(text: str) -> list[str]:
    columns = [c.strip() for c in str(text).split(",") if c.strip()]
    if not columns:
        raise UsageError("name at least one column")
    for column in columns:
        parse_column(column)
    return columns
