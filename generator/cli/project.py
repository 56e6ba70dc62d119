"""Commands over the repository's specs: ``tdgen generate``, ``tdgen sources`` and
``generate-source`` (also ``tdgen generate-source``)."""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from .app import CONTEXT, Command, cli, debug_option, root_of, root_option


@cli.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the changes as a unified diff.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite generated files edited by hand.")
@click.option("--quiet", "-q", is_flag=True, help="Print only changes and the summary.")
@root_option
def generate(check, show_diff, dry_run, force, quiet, root) -> int:
    """Render every source into workflows/, docs/sources/ and the credentials example."""
    from ..render.generate import generate_project
    from .output import show_generation

    result = generate_project(root_of(root), force, write=not (check or dry_run),
                              progress=True)
    show_generation(result, quiet, show_diff, check, dry_run, click.echo)
    failed = result.conflicts or (check and result.pending)
    return EXIT_FINDINGS if failed else EXIT_OK


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format: a table, or JSON (one row per object).")
@root_option
def sources(fmt, root) -> None:
    """The matrix of sources and objects: load kind, fields, output mode, the connector's window
    and bounds, history, format, parallelism, schedule."""
    from ..sources_matrix import sources as source_rows
    from .output import show_sources

    show_sources(source_rows(root_of(root)), fmt, click.echo)


@click.command(cls=Command, context_settings=CONTEXT)
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
@debug_option
def generate_source(name, connector, objects, timestamp_format, auth_id, incremental_field,
                    params, columns, force, no_render, root) -> None:
    """Scaffold sources/NAME.yml from the connector catalog, then render the project.

    Asks for what is missing only on a terminal; never overwrites a spec without --force.
    """
    from .. import catalog
    from ..render.scaffold import scaffold_and_render, scaffold_request

    base = root_of(root)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if connector is None and not catalog.get(name) and interactive:
        connector = click.prompt("Connector type", type=click.Choice(sorted(catalog.CONNECTORS)))
    req = scaffold_request(name, connector, objects, timestamp_format, auth_id,
                           incremental_field, params, columns)
    if interactive and catalog.get(req.connector):
        from ..render.scaffold_prompt import ask_missing

        ask_missing(catalog.get(req.connector), req, click.prompt, click.echo)
    path = scaffold_and_render(base, req, force, no_render)
    click.echo(f"created {path.relative_to(base)}")
    click.echo(f"next: review {path.relative_to(base)} (parameters, columns, tables); "
               f"`tdgen check`; `tdgen preview {name}` (TD's connector preview: columns, "
               f"parameters); `tdgen plan {name}`; `tdgen push && tdgen secrets`")


cli.add_command(generate_source, "generate-source")
