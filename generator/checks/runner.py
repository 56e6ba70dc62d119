"""Runs the checks over a repository or a Digdag project, applying the selection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import CACHE
from ..errors import ConfigError
from ..findings import Finding
from .context import PROJECT, CheckContext
from .registry import Check, checks

PROJECT_CONFIG = ".tdgen-check.yml"
# A rule as each check's docstring documents it: ``name``: ... or ``name`` (warning): ...
_DOCUMENTED_RULE = re.compile(r"``([a-z][a-z0-9-]*(?:/[a-z][a-z0-9-]*)?)``"
                              r"(?=:| \(warning\)| \((?:an error|a warning):)")


# the spec check's rules have no prefix
SPEC_RULES = ("spec", "spec-schema", "yaml-syntax", "spec-drift")


def check_of(rule: str) -> str:
    """The check a rule id (or a check id) belongs to."""
    return "spec" if rule in SPEC_RULES else rule.split("/")[0]


# Rule ids renamed while the tool is at 0.1: the old id still selects the new rule (in options
# and check settings) until 0.2, and the options say what it became.
RENAMED = {"digdag/operator": "digdag/unknown-operator"}


def canonical(selector: str) -> str:
    """The current id of a rule or check id (an old id gives the one it became)."""
    return RENAMED.get(selector, selector)


def renamed_notes(option: str, selectors) -> list[str]:
    """A note per old rule id among ``selectors``, saying what it became."""
    return [f"{option} {s}: this rule is now {RENAMED[s]}; the old id is accepted until 0.2"
            for s in selectors if s in RENAMED]


@dataclass
class Selection:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    style: bool = True
    strict: bool = False

    def wants(self, rule: str) -> bool:
        def match(selector: str) -> bool:
            selector = canonical(selector)
            return rule == selector or check_of(rule) == selector
        if self.select and not any(match(s) for s in self.select):
            return False
        return not any(match(s) for s in self.ignore)

    def runs(self, check: str) -> bool:
        if check == "style" and not self.style:
            return False
        if self.select and not any(check_of(s) == check for s in self.select):
            return False
        return check not in self.ignore


def planned(selection: Selection, scope: str | None = None) -> list[Check]:
    """The checks (of ``scope``; all for a repository) that ``selection`` runs (for progress)."""
    return [c for c in checks(scope) if selection.runs(c.id)]


def run_project(folder: Path, selection: Selection | None = None,
                credentials: Path | None = None, step=None, cache: Path | None = None
                ) -> list[Finding]:
    """Every check of a Digdag project folder; paths relative to it; ``step(check)`` as each
    starts. ``cache``: the folder of the findings cache (``None``: no cache)."""
    step = step or (lambda name: None)
    selection = selection or Selection()
    # each workflow and file is read once for every check
    ctx = CheckContext(folder, credentials=credentials, cache=cache)
    chosen = planned(selection, PROJECT)
    findings: set[Finding] = set()
    # yamllint is another process: it runs on the other core while the checks here run.
    started = [(c, c.start(ctx)) for c in chosen if c.background]
    try:
        for c in chosen:
            if not c.background:
                step(c.label)
                findings |= set(c.run(ctx))
        for c, handle in started:
            step(c.label)
            findings |= set(handle.findings())
    finally:
        for _c, handle in started:
            handle.stop()
    return sorted(f for f in findings if selection.wants(f.rule))


def run_repository(root: Path, selection: Selection | None = None, step=None,
                   cache: bool = True) -> list[Finding]:
    """Specs, the generated project under workflows/ and the timestamp contracts; ``cache``:
    keep findings in the repository's ``.tdgen/cache/``. The project checks run on
    workflows/ where the first of them stands in the registry."""
    selection = selection or repository_selection(root)
    step = step or (lambda name: None)
    ctx = CheckContext(root)
    findings: list[Finding] = []
    project_done = False
    for c in checks():
        if c.scope != PROJECT and selection.runs(c.id):
            step(c.label)
            findings += c.run(ctx)
        elif c.scope == PROJECT and not project_done:
            project_done = True
            findings += _workflows(root, selection, step, cache)
    return sorted(f for f in set(findings) if selection.wants(f.rule))


def _workflows(root: Path, selection: Selection, step, cache: bool) -> list[Finding]:
    workflows = root / "workflows"
    if not workflows.is_dir():
        return []
    credentials = root / "credentials_ingestion.example.json"
    return [f.moved("workflows/") for f in run_project(
        workflows, selection, credentials if credentials.is_file() else None, step,
        root / CACHE if cache else None)]


def cache_folder(folder: Path) -> Path | None:
    """The findings cache of the repository holding ``folder`` (none outside one)."""
    from ..spec.project import find_root

    try:
        return find_root(folder) / CACHE
    except ConfigError:
        return None


def repository_selection(root: Path) -> Selection:
    from ..spec.project import load_settings

    try:
        settings = load_settings(root)
    except ConfigError as exc:
        if any(f.message.startswith(("check/select", "check/ignore")) for f in exc.findings):
            raise  # a CI gate must not pass while checking nothing
        return Selection()  # the spec check reports the broken settings
    c = settings.check
    return Selection(list(c.select), list(c.ignore), c.style, c.strict)


def project_selection(folder: Path) -> Selection:
    from pydantic import ValidationError

    from ..spec.diagnostics import schema_findings
    from ..spec.model import CheckSettings
    from ..yamlpos import load_file

    config = folder / PROJECT_CONFIG
    if not config.is_file():
        return Selection()
    located = load_file(config, PROJECT_CONFIG)
    try:
        c = CheckSettings.model_validate(located.data or {})
    except ValidationError as exc:
        findings = schema_findings(exc, located, CheckSettings)
        raise ConfigError("\n".join(map(str, findings)), findings) from None
    findings = selector_findings(c, located, ())
    if findings:
        raise ConfigError("\n".join(map(str, findings)), findings)
    return Selection(list(c.select), list(c.ignore), c.style, c.strict)


def known_rules() -> set[str]:
    """Every check id and rule id, read from the checks' docstrings (their documentation)."""
    rules = set()
    for c in checks():
        rules.add(c.id)
        for name in _DOCUMENTED_RULE.findall(c.doc):
            rules.add(name if "/" in name or c.id == "spec" else f"{c.id}/{name}")
    return rules


def unknown_selector(selector: str, rules: set[str]) -> str | None:
    """Why ``selector`` would select nothing, or None when it names a check or a rule."""
    from ..spec.diagnostics import did_you_mean

    yamllint_rule = re.fullmatch(r"style/[a-z0-9-]+", selector)
    if canonical(selector) in rules or yamllint_rule:
        return None
    return (f"unknown rule or check '{selector}'{did_you_mean(selector, rules)} "
            "(`tdgen check --list` lists them)")


def selector_findings(c, located, base: tuple) -> list[Finding]:
    """A finding per unknown id in ``select``/``ignore`` of check settings at ``base``."""
    rules = known_rules() if c.select or c.ignore else set()
    findings = []
    for key in ("select", "ignore"):
        for i, selector in enumerate(getattr(c, key)):
            why = unknown_selector(selector, rules)
            if why:
                where = "/".join(map(str, (*base, key, i)))
                findings.append(located.finding((*base, key, i), "spec", f"{where}: {why}"))
    return findings


def check_docs() -> str:
    """The documentation of every check: its id and its module docstring."""
    return "\n\n".join(f"[{c.id}] " + c.doc.strip() for c in checks())
