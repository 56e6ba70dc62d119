"""Every check, registered once (as yamllint's ``rules/__init__``): the runner, ``tdgen check
--list``, the ``--select``/``--ignore`` vocabulary and the case tests all read ``checks()``.

The order is the order of ``--list`` and of the run (a repository's project checks run where
the first of them stands).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from ..findings import Finding
from .context import PROJECT, CheckContext

@dataclass(frozen=True)
class Check:
    module: ModuleType

    @property
    def id(self) -> str:
        return self.module.ID

    @property
    def scope(self) -> str:
        return self.module.SCOPE

    @property
    def doc(self) -> str:
        return self.module.__doc__ or ""

    @property
    def label(self) -> str:
        """What progress shows while it runs."""
        return getattr(self.module, "LABEL", self.id)

    @property
    def background(self) -> bool:
        """It runs in another process while the other checks run (``start(ctx)``)."""
        return hasattr(self.module, "start_check")

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        return self.module.check(ctx)

    def start(self, ctx: CheckContext):
        """Start it in the background; the handle's ``findings()`` waits, ``stop()`` ends it."""
        return self.module.start_check(ctx)


_CHECKS: list[Check] = []


def checks(scope: str | None = None) -> list[Check]:
    """Every check (of ``scope``), in order; the modules are imported on first use."""
    if not _CHECKS:
        from . import digdag_rules, expressions, load_config, references, spec, sql, style
        from . import timestamps

        _CHECKS.extend(Check(m) for m in (spec, digdag_rules, expressions, sql, load_config,
                                          references, timestamps, style))
    return [c for c in _CHECKS if scope is None or c.scope == scope]


def by_id() -> dict[str, Check]:
    return {c.id: c for c in checks()}


__all__ = ["PROJECT", "Check", "CheckContext", "by_id", "checks"]
