"""The finding: one problem at one place, as a value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """A problem found at ``path:line:column`` by the rule ``rule``."""

    path: str
    line: int
    column: int
    rule: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level}: {self.message} [{self.rule}]"

    def to_dict(self) -> dict:
        return asdict(self)

    def moved(self, prefix: str) -> Finding:
        """The same finding seen from the folder above: ``prefix`` is the folder checked, as
        seen from there (``workflows/``); a finding about the folder itself (``.``) names it."""
        if not prefix:
            return self
        prefix = prefix if prefix.endswith("/") else prefix + "/"
        return replace(self, path=prefix + self.path if self.path != "." else prefix[:-1])


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == ERROR]
