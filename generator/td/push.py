"""``tdgen push``: the pre-flight, then the upload of ``workflows/`` as a project revision.

The pre-flight collects every problem before anything is sent:

1. ``check_repository`` finds no error (specs, Digdag rules, SQL, references);
2. every ``${secret:KEY}`` in the archived files has a value in ``credentials_ingestion.json``
   or is already set on TD;
3. the archive is within the size limit, both as uploaded (tar.gz) and once extracted (Digdag
   totals the files against the same limit);
4. no credentials are uploaded: no ``credentials*.json`` in the archive, and no archived file
   holding a value of ``credentials_ingestion.json`` (named by its key, never shown).

``check_repository`` includes the drift check: the tree must be what its specs render.

A failed pre-flight is a ``PreflightError`` (exit 1); nothing is uploaded. Each problem is a
``Finding``: a check's own, or one of ``push/size``, ``push/credentials``, ``push/secret``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import EXIT_FINDINGS, TdgenError, UsageError
from ..findings import ERROR, Finding
from .archive import Archive, build_archive
from .config import TdConfig
from .workflow_api import RemoteProject, WorkflowApi

PROJECT_FOLDER = "workflows"
MIN_SECRET_LENGTH = 6  # shorter values ("true", "443") appear in files by chance


class PreflightError(TdgenError):
    """The project is not fit to push; ``problems`` says why, one line each (exit 1)."""

    exit_code = EXIT_FINDINGS

    def __init__(self, problems: list[Finding]):
        lines = "\n".join(f"  {problem_line(p)}" for p in problems)
        super().__init__(f"pre-flight failed ({len(problems)} problem"
                         f"{'s' if len(problems) != 1 else ''}); nothing was uploaded:\n{lines}")
        self.problems = problems


@dataclass
class PushResult:
    project: str
    revision: str
    archive: Archive
    td_cli: str  # the equivalent TD CLI command
    dry_run: bool
    remote: RemoteProject | None = None  # what TD answered to the upload
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure
    problems: list[Finding] = field(default_factory=list)  # a dry run's failed pre-flight
    secrets_used: int = 0  # distinct ${secret:...} keys in the archived files


def push(root: Path, config: TdConfig, revision: str | None = None, dry_run: bool = False,
         now: datetime | None = None) -> PushResult:
    """Run the pre-flight and, unless ``dry_run``, upload the archive; return what was done.

    A failed pre-flight raises ``PreflightError``, except in a dry run, whose result carries
    the problems next to the files (the caller reports them and fails)."""
    from ..spec.project import load_settings

    name = load_settings(root).project
    if revision is not None and not revision.strip():
        raise UsageError("--revision: a revision name cannot be empty")
    rev = revision or default_revision(root, now)
    archive = build_archive(root / PROJECT_FOLDER)
    api = WorkflowApi(config.workflow_endpoint, config.api_key) if config.api_key else None
    if not dry_run:
        config.require_key()
    problems, notes = preflight(root, config, archive, api, name, ask_remote=not dry_run)
    if problems and not dry_run:
        raise PreflightError(problems)
    from .secrets import secret_references

    result = PushResult(name, rev, archive, td_cli_command(name, revision), dry_run, None, notes,
                        problems, len(secret_references(root / PROJECT_FOLDER)))
    if not dry_run:
        result.remote = api.push_project(name, rev, archive.data)
    return result


def preflight(root: Path, config: TdConfig, archive: Archive, api: WorkflowApi | None,
              name: str, ask_remote: bool = True) -> tuple[list[Finding], list[str]]:
    """(problems, notes) of the pre-flight checks.

    TD is asked for the project's secret keys when a key has no local value, or when
    ``ask_remote`` (to note keys not uploaded yet); a dry run with every value local stays
    offline.
    """
    problems = check_problems(root)
    problems += size_problems(archive, config.max_archive_bytes)
    problems += credential_problems(root, archive)
    secret_problems, notes = secret_check(root, api, name, ask_remote)
    return problems + secret_problems, list(archive.warnings) + notes


def problem_line(f: Finding) -> str:
    """One line of a failed pre-flight: ``size: ...``, ``secret: ...``, ``check: <finding>``."""
    if f.rule.startswith("push/"):
        return f"{f.rule.removeprefix('push/')}: {f.message}"
    return f"check: {f}"


def _problem(path: str, kind: str, message: str) -> Finding:
    return Finding(path, 1, 1, f"push/{kind}", ERROR, message)


def credential_problems(root: Path, archive: Archive) -> list[Finding]:
    """Files of the archive that are, or hold a value of, the credentials file."""
    import fnmatch

    from .archive import FILE
    from .secrets import CREDENTIALS_FILE, load_credentials, placeholders

    values: dict[str, str] = {}
    if (root / CREDENTIALS_FILE).is_file():
        values = load_credentials(root)
        values = {k: v for k, v in values.items() if k not in placeholders(root, values)
                  and len(v.strip()) >= MIN_SECRET_LENGTH}
    problems = []
    for entry in archive.entries:
        base = entry.name.rsplit("/", 1)[-1]
        if fnmatch.fnmatchcase(base, "credentials*.json"):
            problems.append(_problem(f"{PROJECT_FOLDER}/{entry.name}", "credentials",
                                     f"{PROJECT_FOLDER}/{entry.name} would be uploaded; move "
                                     "it out of workflows/ (secrets go up with `tdgen secrets`)"))
        elif entry.kind == FILE and values:
            text = (root / PROJECT_FOLDER / entry.name).read_bytes().decode("utf-8", "replace")
            held = sorted(k for k, v in values.items() if v.strip() in text)
            if held:
                problems.append(_problem(f"{PROJECT_FOLDER}/{entry.name}", "credentials",
                                         f"{PROJECT_FOLDER}/{entry.name} holds the value of "
                                         f"secret {', '.join(held)}; reference it as "
                                         "${secret:KEY}"))
    return problems


def check_problems(root: Path) -> list[Finding]:
    from ..checks import check_repository
    from ..findings import errors

    return errors(check_repository(root))


def size_problems(archive: Archive, limit: int) -> list[Finding]:
    problems = []
    if archive.size > limit:
        problems.append(_problem(PROJECT_FOLDER, "size", f"the archive is {archive.size} bytes "
                                 f"compressed, over the limit of {limit} bytes"))
    if archive.content_size > limit:
        problems.append(_problem(PROJECT_FOLDER, "size", f"the files total "
                                 f"{archive.content_size} bytes, over the limit of {limit} bytes "
                                 "(TD Workflow totals the extracted files); move large files "
                                 "out of workflows/ or list them in workflows/.digdagignore"))
    return problems


def secret_check(root: Path, api: WorkflowApi | None, name: str,
                 ask_remote: bool = True) -> tuple[list[Finding], list[str]]:
    """Every referenced secret has a value locally or on TD; note keys only set locally."""
    from .secrets import CREDENTIALS_FILE, load_credentials, placeholders, secret_references

    used = secret_references(root / PROJECT_FOLDER)
    local: dict[str, str] = {}
    if (root / CREDENTIALS_FILE).is_file():
        local = load_credentials(root)
        for key in placeholders(root, local):
            local.pop(key)
    locally_missing = [k for k in used if k not in local]
    remote = _remote_keys(api, name) if used and (locally_missing or ask_remote) else None
    missing = sorted(k for k in locally_missing if k not in (remote or ()))
    hint = " and is not set on TD" if api else " (TD was not asked: no API key configured)"
    problems = [_problem(f"{PROJECT_FOLDER}/{used[k][0]}", "secret",
                         f"${{secret:{k}}} (used in {', '.join(used[k][:3])}) has no value in "
                         f"{CREDENTIALS_FILE}{hint}") for k in missing]
    notes = []
    unset = sorted(k for k in used if k in local and remote is not None and k not in remote)
    if unset:
        notes.append(f"{len(unset)} secret(s) have a value in {CREDENTIALS_FILE} but are not "
                     f"set on TD yet ({', '.join(unset)}): run `tdgen secrets`")
    return problems, notes


def _remote_keys(api: WorkflowApi | None, name: str) -> set[str] | None:
    if api is None:
        return None
    project = api.project(name)
    return set(api.secret_keys(project.id)) if project else set()


def default_revision(root: Path, now: datetime | None = None) -> str:
    """A UTC timestamp, plus the short git commit (and ``-dirty``) when ``root`` is in git."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = _git(root, "rev-parse", "--short", "HEAD")
    if not commit:
        return stamp
    dirty = _git(root, "status", "--porcelain", "--", PROJECT_FOLDER)
    return f"{stamp}-{commit}{'-dirty' if dirty else ''}"


def td_cli_command(project: str, revision: str | None = None) -> str:
    """What a team using the TD CLI runs to push the same project."""
    return f"cd {PROJECT_FOLDER} && td wf push {project}" + (
        f" --revision {revision}" if revision else "")


def _git(root: Path, *args: str) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def push_summary(result: PushResult, limit: int) -> str:
    """What was (or, in a dry run, would be) uploaded, and the TD CLI equivalent."""
    archive = result.archive
    lines = []
    if result.dry_run:
        for e in archive.entries:
            link = f" -> {e.link}" if e.link else ""
            lines.append(f"{e.size:>10}  {e.name}{link}")
    lines.append(f"{len(archive.entries)} files, {archive.content_size} bytes "
                 f"({archive.size} bytes as tar.gz; limit {limit})")
    if result.problems:
        lines.append(f"pre-flight: failed, {len(result.problems)} problem"
                     f"{'s' if len(result.problems) != 1 else ''} (listed on stderr)")
    else:
        lines.append(f"pre-flight: passed (tdgen check: no error; {result.secrets_used} "
                     "secret key(s) used, each with a value; size within the limit)")
    if result.dry_run:
        lines.append(f"dry run: nothing was uploaded (project {result.project}, revision "
                     f"{result.revision}).")
    else:
        project_id = result.remote.id if result.remote else "?"
        lines.append(f"pushed project {result.project} (id {project_id}), revision "
                     f"{result.revision}")
    lines.append(f"with the TD CLI: {result.td_cli}")
    return "\n".join(lines)
