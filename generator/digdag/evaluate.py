"""``${...}`` evaluated as Digdag evaluates it, by a real JavaScript engine (dukpy).

Like ``digdag.js``: each expression runs inside ``with (params) {...}``; ``null`` and
``undefined`` become ``""``, strings stay as they are, anything else is ``JSON.stringify``-ed;
outside expressions ``$$`` becomes ``$``. An undefined variable is an error, as in Digdag.
"""

from __future__ import annotations

import json

from .template import expressions


class EvaluationError(Exception):
    pass


_WRAPPER = """
var params = dukpy.params;
var value = (function () { with (params) { return eval(dukpy.expr); } })();
(value === null || value === undefined) ? "" :
  (typeof value === "string" ? value : JSON.stringify(value));
"""


def evaluate(expr: str, params: dict) -> str:
    import dukpy

    try:
        return dukpy.evaljs(_WRAPPER, params=params, expr=f"({expr})")
    except dukpy.JSRuntimeError as exc:
        message = str(exc).splitlines()[0]
        raise EvaluationError(f"Failed to evaluate a variable ${{{expr}}} ({message})") from None


def render(text: str, params: dict) -> str:
    """``text`` with every ``${...}`` replaced by its value (``${secret:...}`` kept)."""
    json.dumps(params)  # params must be JSON, as Digdag's are
    out, last = [], 0
    for start, end, expr in expressions(text):
        out.append(text[last:start].replace("$$", "$"))
        out.append(evaluate(expr, params))
        last = end
    out.append(text[last:].replace("$$", "$"))
    return "".join(out)
