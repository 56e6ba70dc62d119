"""What commands do about the terminal: progress of long work, drawn on a terminal only (off
a terminal, in CI, pipes and files, nothing at all, so parsable output stays as it was), and a
quiet end when the reader of the output goes away (``tdgen ... | head``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Step = Callable[[str], None]


def _nothing(name: str = "") -> None:
    return None


@contextmanager
def progress(label: str, total: int, minimum: int = 1, enabled: bool = True,
             stream=None) -> Iterator[Step]:
    """A ``step(name)`` to call as each of ``total`` units starts: the bar on ``stream``
    (stderr) counts the units done and names the one running.

    A no-op unless ``enabled``, the stream is a terminal and there are ``minimum`` units.
    """
    stream = stream or sys.stderr
    if not enabled or total < minimum or not stream.isatty():
        yield _nothing
        return
    import click

    with click.progressbar(length=total, label=label, file=stream, show_pos=True,
                           item_show_func=lambda name: name) as bar:
        started: list[str] = []

        def step(name: str = "") -> None:
            bar.update(1 if started else 0, name)  # the previous unit is done
            started.append(name)
        yield step
        bar.update(1 if started else 0, "")


EXIT_BROKEN_PIPE = 128 + 13  # as a Unix tool stopped by SIGPIPE: quiet, never a false success


def run_quietly(command, prog_name: str) -> None:
    """Run a click command; a reader that stops reading ends it quietly (no traceback, no
    message), with ``EXIT_BROKEN_PIPE``."""
    from click.utils import PacifyFlushWrapper

    try:
        try:
            command(prog_name=prog_name)  # a click command is callable: its main()
        finally:
            sys.stdout.flush()
    except SystemExit:
        if not isinstance(sys.stdout, PacifyFlushWrapper):  # click's mark of a broken pipe
            raise
    except BrokenPipeError:
        pass
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
    sys.exit(EXIT_BROKEN_PIPE)
