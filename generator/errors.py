"""The small error tree. ``cli`` maps it to exit codes; nothing else prints it."""

from __future__ import annotations

from .findings import Finding

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class TdgenError(Exception):
    """Base of every error a user can cause; never shown with a traceback."""

    exit_code = EXIT_USAGE


class ConfigError(TdgenError):
    """Bad project settings, specs or templates: exit 2."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


class SpecError(ConfigError):
    """One or more source specs are invalid."""


class TemplateError(ConfigError):
    """A template failed to render for a spec."""


class UsageError(TdgenError):
    """A command was called wrongly."""
