"""Where ``${...}`` sits in a Digdag string, found the way Digdag's ``digdag.js`` finds it.

``${`` opens an expression whose end is the brace that balances it (quotes are not tracked);
``${word:`` (a secret or another command form) is not evaluated; an unclosed ``${`` stays
literal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_COMMAND_RX = re.compile(r"\$\{[a-z]+:")
_BRACE_RX = re.compile(r"[{}]")


def expressions(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, expression) of every ``${...}`` Digdag would evaluate in ``text``."""
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return
        if _COMMAND_RX.match(text, start):
            i = start + 2
            continue
        depth, j = 1, start + 2
        while depth:  # brace to brace, not character by character
            brace = _BRACE_RX.search(text, j)
            if brace is None:
                return
            depth += 1 if brace.group() == "{" else -1
            j = brace.end()
        yield start, j, text[start + 2:j - 1]
        i = j


def fill_samples(text: str) -> str:
    """Replace each ``${...}`` by a sample identifier of the same length (positions kept)."""
    out, last = [], 0
    for start, end, _expr in expressions(text):
        out.append(text[last:start])
        out.append("v" + "_" * (end - start - 1))
        last = end
    out.append(text[last:])
    return "".join(out)
