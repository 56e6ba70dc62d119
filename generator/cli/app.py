"""The ``tdgen`` group and the one error funnel every command runs through.

A command parses its options, calls the library, hands the result to ``output.py`` and
returns its exit code (``EXIT_OK``, ``EXIT_FINDINGS``). A ``TdgenError`` raised anywhere
below is caught once, here: its message is printed (masked; the traceback only with
``--debug``) and its ``exit_code`` is the command's.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_OK, TdgenError

DEBUG = {"on": False}  # --debug of the command running (read again by the last-resort handler)
CONTEXT = {"help_option_names": ["-h", "--help"]}


class _Funnel:
    def invoke(self, ctx: click.Context):
        try:
            code = super().invoke(ctx)
        except TdgenError as exc:
            from .output import error_text

            click.echo(error_text(exc, DEBUG["on"]), err=True, nl=False)
            ctx.exit(exc.exit_code)
        if isinstance(code, int) and code != EXIT_OK:
            ctx.exit(code)
        return code


class Group(_Funnel, click.Group):
    """A group whose commands' errors and exit codes go through the funnel."""


class Command(_Funnel, click.Command):
    """A command run on its own (``generate-source``), through the same funnel."""


def _set_debug(_ctx: click.Context, _param, value: bool) -> None:
    DEBUG["on"] = value


def debug_option(command):
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_debug, help="Show tracebacks of errors.")(command)


def root_option(command):
    """``--root``, the same on every command."""
    return click.option("--root", type=click.Path(file_okay=False), help="Repository root "
                        "(default: the nearest folder holding tdgen.yml).")(command)


def root_of(root: str | None) -> Path:
    """The repository root: ``--root``, or the nearest folder holding tdgen.yml."""
    from ..spec.project import find_root

    return find_root(Path(root) if root else None)


@click.group(cls=Group, context_settings=CONTEXT)
@debug_option
@click.version_option(package_name="td-ingestion-generator")
def cli() -> None:
    """Generate, check and deploy Treasure Data ingestion workflows from source specs.

    Specs live in sources/<name>.yml; the Digdag project is generated into workflows/.
    """
