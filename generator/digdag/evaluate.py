"""``${...}`` evaluated as Digdag evaluates it, by a real JavaScript engine (dukpy).

Like ``digdag.js``: each expression runs inside ``with (params) {...}``; ``null`` and
``undefined`` become ``""``, strings stay as they are, anything else is ``JSON.stringify``-ed;
outside expressions ``$$`` becomes ``$``; ``${secret:...}`` is left for the operator. An
undefined variable is an error, as in Digdag. moment.js is not bundled: an expression that
calls ``moment`` fails with a clear message.
"""

from __future__ import annotations

import json

from .template import expressions


class EvaluationError(Exception):
    pass


_WRAPPER = """
(function () {
  var params = dukpy.params;
  var value = (function () { with (params) { return eval(dukpy.expr); } })();
  if (value === null || value === undefined) { return ""; }
  return typeof value === "string" ? value : JSON.stringify(value);
})()
"""
_INTERPRETER = {}


def _interpreter():
    if "js" not in _INTERPRETER:
        import dukpy

        _INTERPRETER["js"] = dukpy.JSInterpreter()
    return _INTERPRETER["js"]


def evaluate(expr: str, params: dict) -> str:
    import dukpy

    try:
        return _interpreter().evaljs(_WRAPPER, params=params, expr=f"({expr})")
    except dukpy.JSRuntimeError as exc:
        message = str(exc).splitlines()[0]
        if "moment" in expr and "moment" in message:
            message += " (moment.js is not available in the local engine)"
        raise EvaluationError(f"Failed to evaluate a variable ${{{expr}}} ({message})") from None


def render(text: str, params: dict) -> str:
    """``text`` with every ``${...}`` replaced by its value (``${secret:...}`` kept)."""
    if "$" not in text:
        return text
    json.dumps(params)  # params must be JSON, as Digdag's are
    out, last = [], 0
    for start, end, expr in expressions(text):
        out.append(text[last:start].replace("$$", "$"))
        out.append(evaluate(expr, params))
        last = end
    out.append(text[last:].replace("$$", "$"))
    return "".join(out)
