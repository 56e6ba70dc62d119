"""``${...}`` evaluated as Digdag evaluates it, by a real JavaScript engine (dukpy).

Like ``digdag.js``: each expression runs inside ``with (params) {...}``; ``null`` and
``undefined`` become ``""``, strings stay as they are, anything else is ``JSON.stringify``-ed;
outside expressions ``$$`` becomes ``$``; ``${secret:...}`` is left for the operator. An
undefined variable is an error, as in Digdag. moment.js is not bundled: an expression that
calls ``moment`` fails with a clear message.

Most expressions are a plain dotted name (``${datasource.table_name}``) whose every step is a
key of the parameters and whose value is a string, a boolean, null or a safe integer: those are
answered in Python (``plain_value``), exactly as the JS engine would render them, without
sending the parameters to it. Everything else (a missing name, which is an error or
``undefined``; a property of a string or a list; a float, a list or an object, which
``JSON.stringify`` renders its own way) goes to the JS engine.
"""

from __future__ import annotations

import json
import re

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
_DOTTED = re.compile(r"\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*", re.ASCII)
# ES5 reserved words and literals: never a parameter, even when a key has the name
_RESERVED = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "implements", "import", "in", "instanceof", "interface", "let", "new", "null", "package",
    "private", "protected", "public", "return", "static", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with", "yield", "__proto__"))
_SAFE_INTEGER = 2**53  # larger integers lose digits as JS numbers


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


def plain_value(expr: str, params: dict) -> str | None:
    """What the JS engine renders for ``expr`` when it is a plain dotted name of keys of
    ``params`` with a value rendered the same by Python; ``None`` when only it can say."""
    match = _DOTTED.fullmatch(expr)
    if match is None:
        return None
    value = params
    for name in match.group(1).split("."):
        if name in _RESERVED or not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    return _as_text(value)


def _as_text(value) -> str | None:
    """``value`` as the wrapper prints it, for the types whose printing Python shares."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and -_SAFE_INTEGER <= value <= _SAFE_INTEGER \
            and float(value).is_integer():
        return str(int(value))  # JS prints 3.0 as 3 and -0.0 as 0
    return None


def render(text: str, params: dict) -> str:
    """``text`` with every ``${...}`` replaced by its value (``${secret:...}`` kept)."""
    if "$" not in text:
        return text
    json.dumps(params)  # params must be JSON, as Digdag's are
    out, last = [], 0
    for start, end, expr in expressions(text):
        out.append(text[last:start].replace("$$", "$"))
        value = plain_value(expr, params)
        out.append(evaluate(expr, params) if value is None else value)
        last = end
    out.append(text[last:].replace("$$", "$"))
    return "".join(out)
