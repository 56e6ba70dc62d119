"""Commands that deploy to and read from Treasure Data: ``tdgen push``, ``tdgen secrets``,
``tdgen status``."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .app import cli, root_of, root_option


@cli.command()
@click.option("--dry-run", is_flag=True, help="Build the archive and run the pre-flight; list "
              "the files and their size; upload nothing.")
@click.option("--revision", help="Revision name (default: a UTC timestamp and the short git "
              "commit).")
@root_option
def push(dry_run, revision, root) -> int:
    """Upload workflows/ to TD Workflow, archived as `digdag push` does, after a pre-flight.

    Pre-flight: `tdgen check` finds no error, every ${secret:...} has a value (in
    credentials_ingestion.json or already on TD), the archive is within the size limit.
    """
    from ..td.config import load_config
    from ..td.push import push as run_push
    from .output import show_push

    base = root_of(root)
    config = load_config(base)
    result = run_push(base, config, revision, dry_run)
    show_push(result, config.max_archive_bytes, click.echo)
    return EXIT_FINDINGS if result.problems else EXIT_OK


@cli.command()
@click.option("--dry-run", is_flag=True, help="Say which keys would be set; upload nothing.")
@click.option("--all", "all_keys", is_flag=True, help="Also upload keys that no ${secret:...} "
              "in workflows/ references (reported and skipped otherwise).")
@click.option("--force", is_flag=True, help="Upload every key, even those recorded as "
              "unchanged.")
@root_option
def secrets(dry_run, all_keys, force, root) -> int:
    """Set every key of credentials_ingestion.json as a secret of the TD Workflow project.

    Reports the keys the workflows reference that the file lacks, and the keys of the file
    that nothing references. Prints key names and counts, never a value. Exits 1 when a
    referenced key has a value neither in the file nor on TD.
    """
    from ..td.config import load_config
    from ..td.secrets import upload_secrets
    from .output import show_secrets

    base = root_of(root)
    result = upload_secrets(base, load_config(base), dry_run, all_keys, force)
    show_secrets(result, click.echo)
    return EXIT_FINDINGS if result.unresolved else EXIT_OK


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
def status(sources, since, stale_after, now, fmt, local, rows, root) -> int:
    """Per source and table from ingestion_log: last success, lag, rows, errors, holes.

    Tables are listed worst first. Exits 1 when a table is failing (errors since its last
    success, or a STARTED row older than --stale-after that never finished), has a hole or
    an overlap between successive windows, or is stale (for alerting).
    """
    from ..durations import duration_option, instant_option
    from ..td.status import status as run_status
    from .output import show_status

    base = root_of(root)
    period = duration_option(since, "--since")
    stale = duration_option(stale_after, "--stale-after")
    moment = instant_option(now or None, "--now")
    config, local_file = _log_origin(base, local)
    report = run_status(base, config, period, stale, moment,
                        lambda job: click.echo(f"query job {job} is running...", err=True),
                        list(sources) or None, local_file, rows)
    show_status(report, fmt, click.echo)
    return EXIT_OK if report.healthy else EXIT_FINDINGS


def _log_origin(base: Path, local: str | None):
    """(TD settings, None) to read the log on TD, or (None, the local engine's file)."""
    if local is not None:
        from ..td.ingestion_log import LOCAL_DB

        return None, Path(local) if local else base / LOCAL_DB
    from ..td.config import load_config

    return load_config(base), None
