"""``tdgen import``: take in a hand-copied legacy ingestion project as specs."""

from __future__ import annotations

from pathlib import Path

import click

from .app import cli, root_of, root_option


def _auth_ids(values) -> dict:
    ids = {}
    for value in values:
        name, _, number = value.partition("=")
        if not name or not number.isdigit():
            raise click.BadParameter(f"'{value}': expected SOURCE=ID (e.g. onetrust=360100)",
                                     param_hint="--auth-id")
        ids[name] = int(number)
    return ids


@cli.command("import")
@click.argument("legacy_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Import only this legacy source (repeatable; default: every source found).")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite existing specs of the same name.")
@click.option("--auth-id", "auth_ids", multiple=True, metavar="SOURCE=ID",
              help="TD Authentication id of SOURCE, when the legacy has only a placeholder.")
@click.option("--log", "log", type=click.Path(dir_okay=False, path_type=Path),
              help="An export of the legacy ingestion_log (.jsonl/.json/.csv): history "
              "starts after the last month it loaded.")
@click.option("--diff", is_flag=True, help="Show each object's legacy load config beside the "
              "generated one, key by key.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the migration report.")
@root_option
def import_(legacy_dir, sources, dry_run, force, auth_ids, log, diff, fmt, root):
    """Write sources/<name>.yml for each source of the legacy project LEGACY_DIR and report
    the migration: what was carried over, what was not, and what a reviewer must accept."""
    from ..importer.migrate import import_legacy
    from ..importer.report import report_json, report_text

    base = root_of(root)
    migration = import_legacy(base, legacy_dir, list(sources), dry_run, force,
                              _auth_ids(auth_ids), log)
    diffs = _diffs(base, migration) if diff else {}
    if fmt == "json":
        click.echo(report_json(migration.results, migration.written, diffs))
        return
    report_text(migration.results, migration.written, click.echo)
    for lines in diffs.values():
        for line in lines:
            click.echo(line)


def _diffs(base: Path, migration) -> dict[str, list[str]]:
    from ..importer.diff import diff_lines, generated_configs

    generated = generated_configs(base, migration.results, migration.texts)
    return {r.name: diff_lines(r, generated) for r in migration.results if r.spec}
