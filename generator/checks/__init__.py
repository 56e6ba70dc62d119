"""``tdgen check`` as a library call: every check over a repository or a Digdag project.

The public face of ``checks/`` (what commands and ``td/push`` import): one module per check,
registered in ``registry.py``, run by ``runner.py``. It was ``generator/check.py``, a name
one letter from the folder it fronted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..findings import ERROR, Finding
from ..terminal import progress as bar


def _with(selection, select, ignore, style):
    from .runner import known_rules, unknown_selector
    from ..errors import UsageError

    rules = known_rules() if select or ignore else set()
    for option, values in (("--select", select), ("--ignore", ignore)):
        for value in values:
            why = unknown_selector(value, rules)
            if why:
                raise UsageError(f"{option} {value}: {why}")
    selection.select += list(select)
    selection.ignore += list(ignore)
    if style is not None:
        selection.style = style
    return selection


def check_repository(root: Path, select=(), ignore=(), style: bool | None = None,
                     progress: bool = False, cache: bool = True) -> list[Finding]:
    """Specs, the generated project (workflows/), SQL, references and timestamp contracts.
    ``cache``: reuse yamllint's findings for files linted before (``.tdgen/cache/``)."""
    from .runner import planned, repository_selection, run_repository

    selection = _with(repository_selection(root), select, ignore, style)
    with bar("checking", len(planned(selection)), enabled=progress) as step:
        return run_repository(root, selection, step, cache)


def check_digdag_project(folder: Path, select=(), ignore=(), style: bool | None = None,
                         progress: bool = False, cache: bool = True) -> list[Finding]:
    """Any Digdag project folder, whatever produced it; paths relative to the folder. With
    ``cache``, yamllint's findings are cached in the repository holding the folder, if any."""
    from .context import PROJECT
    from .runner import cache_folder, planned, project_selection, run_project

    selection = _with(project_selection(folder), select, ignore, style)
    with bar(f"checking {folder}", len(planned(selection, PROJECT)),
             enabled=progress) as step:
        return run_project(folder, selection, step=step,
                           cache=cache_folder(folder) if cache else None)


def is_strict(root: Path, repository: bool) -> bool:
    from .runner import project_selection, repository_selection

    return (repository_selection(root) if repository else project_selection(root)).strict


def default_format(environ=None) -> str:
    """The format findings are reported in when none is asked: GitHub's annotations under
    GitHub Actions, text elsewhere."""
    import os

    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


@dataclass
class CheckRun:
    """The findings of one ``tdgen check``, with paths as seen from the working folder."""

    findings: list[Finding]
    strict: bool  # warnings fail the check too
    notes: list[str] = field(default_factory=list)  # worth saying (an old rule id), not a failure

    @property
    def failed(self) -> bool:
        errors = any(f.level == ERROR for f in self.findings)
        return errors or (self.strict and bool(self.findings))


def run_check(folders: list[str], root: Path | None, select=(), ignore=(),
              style: bool | None = None, strict: bool = False, progress: bool = False,
              cache: bool = True, cwd: Path | None = None) -> CheckRun:
    """``tdgen check``: each of ``folders`` as a Digdag project, or (none given) the
    repository at ``root``; finding paths are relative to ``cwd`` (default: the working
    folder), as the user named the folders."""
    findings: list[Finding] = []
    for path in folders:
        folder = Path(path)
        found = check_digdag_project(folder, select, ignore, style, progress, cache)
        prefix = "" if path in (".", "./") else path.rstrip("/") + "/"
        findings += [f.moved(prefix) for f in found]
        strict = strict or is_strict(folder, repository=False)
    if not folders:
        import os

        findings = check_repository(root, select, ignore, style, progress, cache)
        strict = strict or is_strict(root, repository=True)
        here = cwd or Path.cwd()
        if here.resolve() != root.resolve():
            rel = os.path.relpath(root, here)
            findings = [f.moved(rel + "/") for f in findings]
    from .runner import renamed_notes

    notes = renamed_notes("--select", select) + renamed_notes("--ignore", ignore)
    return CheckRun(findings, strict, notes)
