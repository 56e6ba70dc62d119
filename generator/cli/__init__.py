"""The command line: parse, call the library, hand the result to ``output``, return the exit
code. ``app`` holds the group and the one error funnel; each other module one command family:

- ``project``: generate, sources, generate-source;   - ``check``: check;
- ``local``: run-local, plan;                         - ``td``: push, secrets, status;
- ``connectors``: preview, guess;                     - ``importer``: import.

Entry points (pyproject): ``generator.cli:main`` and ``generator.cli:generate_source_main``.
"""

from __future__ import annotations

import click

from . import check, connectors, importer, local, project, td  # noqa: F401 (register commands)
from .app import cli
from .project import generate_source

__all__ = ["cli", "generate_source", "generate_source_main", "main"]


def _guarded(command, prog_name: str) -> None:
    """Run a command; a bug (not a user error) prints one masked line and exits 2 (the masked
    traceback with ``--debug``)."""
    import sys

    from ..errors import EXIT_USAGE
    from ..terminal import run_quietly
    from .app import DEBUG

    try:
        run_quietly(command, prog_name)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never print a key
        # imported here: output.py brings the renderer, the spec models (pydantic) and
        # PyYAML, which `tdgen --help` and the commands that do not load specs never need
        from .output import unexpected_error

        click.echo(unexpected_error(exc, DEBUG["on"]), err=True, nl=False)
        sys.exit(EXIT_USAGE)


def main() -> None:
    _guarded(cli, "tdgen")


def generate_source_main() -> None:
    _guarded(generate_source, "generate-source")


if __name__ == "__main__":  # pragma: no cover
    main()
