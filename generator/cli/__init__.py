"""The command line: parse, call one library function, format, pick the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EXIT_FINDINGS, EXIT_USAGE, TdgenError
from ..render.journal import recover  # light, as masking: both used by several commands
from ..td.masking import mask  # every message that may quote a key or a secret goes through it

_DEBUG = {"on": False}


def _run(func, *args, **kwargs):
    """Call the library; map the error tree to messages and exit codes (traceback on --debug)."""
    try:
        return func(*args, **kwargs)
    except TdgenError as exc:
        if _DEBUG["on"]:
            _unexpected(None)
        click.echo(mask(f"error: {exc}" if not getattr(exc, "findings", None) else exc),
                   err=True)
        if getattr(exc, "findings", None):
            n = len(exc.findings)
            click.echo(f"{n} error{'s' if n != 1 else ''}; nothing was written.", err=True)
        sys.exit(exc.exit_code)


def root_option(command):
    """``--root``, the same on every command."""
    return click.option("--root", type=click.Path(file_okay=False), help="Repository root "
                        "(default: the nearest folder holding tdgen.yml).")(command)


def _unexpected(exc: BaseException | None) -> None:
    """The masked traceback with ``--debug``; for a bug (``exc``), one masked line and exit 2."""
    from .output import unexpected_error

    click.echo(unexpected_error(exc, _DEBUG["on"]), err=True, nl=False)
    if exc is not None:
        sys.exit(EXIT_USAGE)


def _root(root: str | None) -> Path:
    from ..project import find_root

    return _run(find_root, Path(root) if root else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(package_name="td-ingestion-generator")
def cli(debug: bool) -> None:
    """Generate, check and deploy Treasure Data ingestion workflows from source specs.

    Specs live in sources/<name>.yml; the Digdag project is generated into workflows/.
    """
    _DEBUG["on"] = debug


@cli.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the changes as a unified diff.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite generated files edited by hand.")
@click.option("--quiet", "-q", is_flag=True, help="Print only changes and the summary.")
@root_option
def generate(check, show_diff, dry_run, force, quiet, root) -> None:
    """Render every source into workflows/, docs/sources/ and the credentials example."""
    from ..generate import generate as run_generate
    from .output import findings_text, status_line, summary
    from ..render.writer import CONFLICT, IDENTICAL, apply, changed, unified_diff

    base = _root(root)
    if not (check or dry_run):
        _run(recover, base)  # a run killed while writing: complete its change first
    project, statuses = _run(run_generate, base, force, True)
    for s in statuses:
        if not (quiet and s.status == IDENTICAL):
            click.echo(status_line(s))
        if show_diff and s.status != IDENTICAL:
            click.echo(unified_diff(s), nl=False)
    conflicts = [s for s in statuses if s.status == CONFLICT]
    pending = changed(statuses)
    if project.warnings:  # after the per-file lines, where they are seen
        click.echo(findings_text(project.warnings), err=True)
    click.echo(summary(statuses, project.warnings))
    if conflicts:
        click.echo(f"{len(conflicts)} conflict(s): generated files edited by hand (or not ours)."
                   " Move the change into the spec or templates/, or rerun with --force."
                   " Nothing was written.", err=True)
        sys.exit(EXIT_FINDINGS)
    if check:
        if pending:
            click.echo("generated files are out of date: run `tdgen generate` and commit.",
                       err=True)
            sys.exit(EXIT_FINDINGS)
        return
    if dry_run:
        click.echo("dry run: nothing was written.")
        return
    _run(apply, base, pending)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default=None,
              help="Output format (default: text; github under GitHub Actions).")
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@click.option("--select", multiple=True, metavar="RULE", help="Only these rules or checks "
              "(repeatable), e.g. digdag or sql/syntax.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Never these rules or checks.")
@click.option("--no-style", is_flag=True, help="Do not run yamllint.")
@click.option("--no-cache", is_flag=True, help="Lint every file again, ignoring the findings "
              "cached in .tdgen/cache/.")
@click.option("--list", "list_checks", is_flag=True, help="Print every check and its rules.")
@click.option("--root", type=click.Path(file_okay=False), help="Repository root (when no "
              "PATH is given).")
def check(paths, fmt, strict, select, ignore, no_style, no_cache, list_checks, root) -> None:
    """Check specs, workflows and SQL before pushing: Digdag's rules, strict Trino, references.

    With no PATH, the whole repository (specs, workflows/, timestamp formats). With PATHs,
    each is checked as a Digdag project folder, whatever produced it.
    """
    import os

    from ..checks import check_digdag_project, check_repository, is_strict
    from ..findings import ERROR
    from .output import findings_text

    if list_checks:
        from ..checks.runner import check_docs

        click.echo(check_docs())
        return
    style = False if no_style else None
    findings = []
    if paths:
        for path in paths:
            folder = Path(path)
            if not folder.is_dir():
                raise click.UsageError(f"{path}: not a folder")
            if not any(folder.glob("*.dig")):
                raise click.UsageError(f"{path}: no workflow (*.dig) in this folder, so "
                                       "nothing to check; pass the folder holding the .dig "
                                       "files (here: workflows/), or no PATH for the repository")
            found = _run(check_digdag_project, folder, select, ignore, style, True,
                         not no_cache)
            prefix = "" if path in (".", "./") else path.rstrip("/") + "/"
            findings += [f.__class__(prefix + f.path, *tuple(f.to_dict().values())[1:])
                         for f in found]
            strict = strict or is_strict(folder, repository=False)
    else:
        base = _root(root)
        findings = _run(check_repository, base, select, ignore, style, True, not no_cache)
        strict = strict or is_strict(base, repository=True)
        if Path.cwd().resolve() != base.resolve():
            rel = os.path.relpath(base, Path.cwd())
            findings = [f.__class__(f"{rel}/{f.path}", *tuple(f.to_dict().values())[1:])
                        for f in findings]
    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if findings or fmt == "json":
        click.echo(findings_text(findings, fmt))
    errors = sum(f.level == ERROR for f in findings)
    warnings = len(findings) - errors
    if fmt == "text":
        click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} "
                   f"warning{'s' * (warnings != 1)}", err=True)
    if errors or (strict and warnings):
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: a table, or JSON (one row per object).")
@root_option
def sources(fmt, root) -> None:
    """The matrix of sources and objects: load kind, fields, output mode, the connector's window
    and bounds, history, format, parallelism, schedule."""
    import json

    from ..project import load_project
    from ..sources_matrix import matrix, text

    rows = matrix(_run(load_project, _root(root)))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for line in text(rows):
        click.echo(line)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name")
@click.option("--connector", help="TD connector type (default: NAME when it is one).")
@click.option("--object", "objects", multiple=True, help="An object to load (repeatable; "
              "default: the catalog's objects).")
@click.option("--format", "timestamp_format", help="Timestamp format (default: the "
              "connector's).")
@click.option("--auth-id", type=int, help="TD Authentication id (connectors that use one).")
@click.option("--incremental-field", help="Field used for incremental loads of the given "
              "objects (table and connector).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A connector parameter (repeatable).")
@click.option("--column", "columns", multiple=True, metavar="NAME:TYPE",
              help="A column of the parser or schema, for connectors that need one "
              "(repeatable, in order).")
@click.option("--force", is_flag=True, help="Overwrite an existing sources/NAME.yml.")
@click.option("--no-render", is_flag=True, help="Write the spec only; do not run generate.")
@root_option
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def generate_source(name, connector, objects, timestamp_format, auth_id, incremental_field,
                    params, columns, force, no_render, root, debug) -> None:
    """Scaffold sources/NAME.yml from the connector catalog, then render the project.

    Asks for what is missing only on a terminal; never overwrites a spec without --force.
    """
    from .. import catalog
    from ..scaffold import ScaffoldRequest

    _DEBUG["on"] = debug
    base = _root(root)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if connector is None:
        if catalog.get(name):
            connector = name
        elif interactive:
            connector = click.prompt("Connector type", type=click.Choice(
                sorted(catalog.CONNECTORS)))
        else:
            click.echo(f"error: '{name}' is not a connector type; pass --connector (one of "
                       f"{', '.join(sorted(catalog.CONNECTORS))})", err=True)
            sys.exit(2)
    pairs = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            click.echo(f"error: --param {item}: expected KEY=VALUE", err=True)
            sys.exit(2)
        pairs[key] = value
    req = ScaffoldRequest(name, connector, list(objects), timestamp_format, auth_id,
                          incremental_field, pairs, list(columns))
    if interactive and catalog.get(connector):
        from ..scaffold_prompt import ask_missing

        ask_missing(catalog.get(connector), req, click.prompt, click.echo)
    from ..scaffold import scaffold_and_render

    path = _run(scaffold_and_render, base, req, force, no_render)
    click.echo(f"created {path.relative_to(base)}")
    click.echo(f"next: review {path.relative_to(base)} (parameters, columns, tables); "
               f"`tdgen check`; `tdgen preview {name}` (TD's connector preview: columns, "
               f"parameters); `tdgen plan {name}`; `tdgen push && tdgen secrets`")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Build the archive and run the pre-flight; list "
              "the files and their size; upload nothing.")
@click.option("--revision", help="Revision name (default: a UTC timestamp and the short git "
              "commit).")
@root_option
def push(dry_run, revision, root) -> None:
    """Upload workflows/ to TD Workflow, archived as `digdag push` does, after a pre-flight.

    Pre-flight: `tdgen check` finds no error, every ${secret:...} has a value (in
    credentials_ingestion.json or already on TD), the archive is within the size limit.
    """
    from ..td.config import load_config
    from ..td.push import PreflightError, push_summary
    from ..td.push import push as run_push

    base = _root(root)
    config = _run(load_config, base)
    result = _run(run_push, base, config, revision, dry_run)
    for note in result.notes:
        click.echo(mask(f"note: {note}"), err=True)
    click.echo(mask(push_summary(result, config.max_archive_bytes)))
    if result.problems:  # a dry run lists the files, then why a push would stop
        click.echo(mask(f"error: {PreflightError(result.problems)}"), err=True)
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Say which keys would be set; upload nothing.")
@click.option("--all", "all_keys", is_flag=True, help="Also upload keys that no ${secret:...} "
              "in workflows/ references (reported and skipped otherwise).")
@click.option("--force", is_flag=True, help="Upload every key, even those recorded as "
              "unchanged.")
@root_option
def secrets(dry_run, all_keys, force, root) -> None:
    """Set every key of credentials_ingestion.json as a secret of the TD Workflow project.

    Reports the keys the workflows reference that the file lacks, and the keys of the file
    that nothing references. Prints key names and counts, never a value. Exits 1 when a
    referenced key has a value neither in the file nor on TD.
    """
    from ..td.config import load_config
    from ..td.secrets import secrets_summary, upload_secrets

    base = _root(root)
    config = _run(load_config, base)
    result = _run(upload_secrets, base, config, dry_run, all_keys, force)
    click.echo(mask(secrets_summary(result)))
    if result.unresolved:
        click.echo(f"error: {len(result.unresolved)} secret(s) used by the workflows have no "
                   "value (" + ", ".join(m.key for m in result.unresolved) + "): add them to "
                   "credentials_ingestion.json and run `tdgen secrets` again", err=True)
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.option("--source", "sources", multiple=True, metavar="S", help="Only this source "
              "(repeatable).")
@click.option("--since", default="30d", show_default=True, help="Read the log rows of this "
              "period (like 30d, 12h).")
@click.option("--stale-after", default="2d", show_default=True, help="A table whose last "
              "window ended longer ago than this is stale; a STARTED row this old that never "
              "finished is failing.")
@click.option("--now", "now", help="Judge as of this instant (ISO 8601; default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: the report, or JSON.")
@click.option("--local", "local", is_flag=False, flag_value="",
              default=None, metavar="[FILE]", help="Read ingestion_log from the local "
              "engine's DuckDB file instead of TD (default FILE: .tdgen/local.duckdb under "
              "the root).")
@click.option("--rows", is_flag=True, help="Also compare every SUCCESS window with the rows "
              "its table holds for it (rows carry their window's end in time): rows loaded "
              "twice or missing are problems (exit 1). One query per table.")
@root_option
def status(sources, since, stale_after, now, fmt, local, rows, root) -> None:
    """Per source and table from ingestion_log: last success, lag, rows, errors, holes.

    Tables are listed worst first. Exits 1 when a table is failing (errors since its last
    success, or a STARTED row older than --stale-after that never finished), has a hole or
    an overlap between successive windows, or is stale (for alerting).
    """
    import json

    from ..td.status import parse_duration, parse_now, report_text
    from ..td.status import status as run_status

    base = _root(root)
    period = _run(parse_duration, since, "--since")
    stale = _run(parse_duration, stale_after, "--stale-after")
    moment = _run(parse_now, now) if now else None
    config, local_file = None, None
    if local is not None:
        from ..td.ingestion_log import LOCAL_DB

        local_file = Path(local) if local else base / LOCAL_DB
    else:
        from ..td.config import load_config

        config = _run(load_config, base)
    report = _run(run_status, base, config, period, stale, moment,
                  lambda job: click.echo(f"query job {job} is running...", err=True),
                  list(sources) or None, local_file, rows)
    click.echo(mask(json.dumps(report.to_dict(), indent=2) if fmt == "json"
                    else report_text(report)))
    if not report.healthy:
        sys.exit(EXIT_FINDINGS)


cli.add_command(generate_source, "generate-source")


def _guarded(command, prog_name: str) -> None:
    from ..terminal import run_quietly

    try:
        run_quietly(command, prog_name)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never print a key
        _unexpected(exc)


def main() -> None:
    _guarded(cli, "tdgen")


def generate_source_main() -> None:
    _guarded(generate_source, "generate-source")


from . import local as _local  # noqa: F401, E402  (registers run-local and plan on `cli`)
from . import importer  # noqa: F401, E402  (registers import on `cli`)
from . import connectors  # noqa: F401, E402  (registers preview and guess on `cli`)

if __name__ == "__main__":  # pragma: no cover
    main()
