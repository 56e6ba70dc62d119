"""Commands of the local engine: ``tdgen run-local`` and ``tdgen plan``."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .app import cli, root_of, root_option


def print_retry(line: str) -> None:
    """The engine's messages worth a user's eye while runs go on: retries, and why."""
    if ": retry " in line:
        click.echo("  " + line.rsplit("+", 1)[-1])


@cli.command("run-local")
@click.argument("source")
@click.option("--runs", default=3, show_default=True, help="Scheduled runs to simulate.")
@click.option("--every", default="1d", show_default=True, help="Time between runs (1d, 6h).")
@click.option("--now", "start", help="Session time of the first run (ISO 8601; default: "
              "today 00:00 UTC less the other runs).")
@click.option("--fixtures", type=click.Path(file_okay=False), help="Folder of fixture rows "
              "(<source>/<object>.jsonl); default: generated with --seed.")
@click.option("--fail", "fail", multiple=True, metavar="OBJECT[:TASK]@RUN[#N]",
              help="Fail TASK (default td_load) of OBJECT's workflow in run RUN, on every "
              "attempt or only the first N (e.g. events:log_success@2).")
@click.option("--kill", "kill", multiple=True, metavar="OBJECT:TASK@RUN",
              help="End OBJECT's attempt right after TASK succeeded in run RUN (a lost worker: "
              "nothing after it runs, no _error).")
@click.option("--overlap", type=int, metavar="K", help="Run K+1 starts while run K is still "
              "running: the two sessions are interleaved task by task.")
@click.option("--hist", is_flag=True, help="Run the historical workflow instead.")
@click.option("--db", type=click.Path(dir_okay=False), help="DuckDB file (default: "
              ".tdgen/local.duckdb).")
@click.option("--fresh", is_flag=True, help="Start from an empty local database.")
@click.option("--seed", default=7, show_default=True, help="Seed of generated fixtures.")
@root_option
def run_local(source, runs, every, start, fixtures, fail, kill, overlap, hist, db, fresh, seed,
              root) -> int:
    """Run SOURCE's generated workflow on the local engine (DuckDB, fixture connector).

    Prints a summary per run and the resulting ingestion_log. Exits 1 when a run failed
    that no --fail asked for.
    """
    from ..durations import duration_option, instant_option
    from ..local.faults import Fault
    from ..local.report import print_log, print_run
    from ..local.simulate import run_local as simulate

    base = root_of(root)
    faults = [Fault.parse(f) for f in fail] + [Fault.parse(k, True) for k in kill]
    sim = simulate(base, source, runs, duration_option(every, "--every"),
                   instant_option(start, "--now"), Path(fixtures) if fixtures else None,
                   faults, hist, db, fresh, seed, lambda result: print_run(result, click.echo),
                   overlap, print_retry)
    click.echo()
    print_log(sim.log(), click.echo)
    injected = {f.run for f in faults}
    unexpected = [r for r in sim.runs if not r.success and r.number not in injected]
    return EXIT_FINDINGS if unexpected else EXIT_OK


@cli.command()
@click.argument("source")
@click.option("--now", "now", help="The time of the next run (ISO 8601; default: now).")
@click.option("--log", "log", type=click.Path(dir_okay=False), help="ingestion_log: a "
              "run-local DuckDB file, or a .jsonl/.json/.csv export.")
@click.option("--td", is_flag=True, help="Read ingestion_log from TD (TD_API_KEY).")
@click.option("--runs", default=1, show_default=True, help="Show the next N runs.")
@click.option("--every", default="1d", show_default=True, help="Time between runs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: the plan, or JSON.")
@root_option
def plan(source, now, log, td, runs, every, fmt, root) -> None:
    """The windows the next run(s) of SOURCE will load, per object, and pending history."""
    from datetime import UTC, datetime

    from ..durations import duration_option, instant_option
    from ..local.plan import plan_source
    from ..local.report import plan_json, print_plan

    base = root_of(root)
    moment = instant_option(now, "--now") or datetime.now(UTC).replace(microsecond=0)
    if log and td:
        raise click.UsageError("--log and --td exclude each other")
    result = plan_source(base, source, moment, runs, duration_option(every, "--every"),
                         Path(log) if log else None, td)
    if fmt == "json":
        click.echo(plan_json(result.objects))
    else:
        from ..importer.report import plan_seam_note

        print_plan(source, moment, result.objects, click.echo)
        note = plan_seam_note(result.legacy_log_before)
        if note:
            click.echo(note)
