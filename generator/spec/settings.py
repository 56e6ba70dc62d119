"""Checks of ``tdgen.yml`` that its schema cannot express: the time zone (as Digdag knows
zones), the runner's schedule (Digdag's rules) and the check selection (known rule ids)."""

from __future__ import annotations

from ..findings import Finding
from ..yamlpos import Located
from .model import Settings

RULE = "spec"


def settings_findings(settings: Settings, located: Located) -> list[Finding]:
    """Every problem of valid-shaped settings, at its position in ``tdgen.yml``."""
    from ..checks.runner import selector_findings
    from ..digdag.schedule import problems, timezone_problem

    findings = []
    zone = timezone_problem(settings.timezone)
    if zone:
        findings.append(located.finding(("timezone",), RULE, f"timezone: {zone}"))
    if settings.runner.schedule is not None:
        for sub, key, message in problems(settings.runner.schedule):
            findings.append(located.finding(("runner", "schedule", *sub), RULE,
                                            f"runner/schedule: {message}", key=key))
    return findings + selector_findings(settings.check, located, ("check",))
