"""load-config: each ``td_load>`` YAML config is a config TD accepts.

Rules (``load-config/<rule>``), on the files ``td_load>`` names (``${x.y}`` expanded over a
known ``for_each>`` list), with each ``${...}`` filled with a sample value:

- ``yaml``: the text is valid YAML once ``${...}`` is filled (values substituted into unquoted
  YAML must stay YAML-safe);
- ``structure``: an ``in:`` mapping with a ``type`` (an error), and an ``out:`` mapping (a
  warning: without it TD appends);
- ``mode``: ``out.mode`` is one of TD's output modes, ``append``, ``replace`` or ``truncate``
  (TD has no merge);
- ``param``: for a connector in the catalog, every ``in:`` parameter is one it knows; a near
  miss of a known name is an error with "did you mean", another unknown name a warning (the
  catalog may not know every parameter).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from .. import catalog
from ..digdag.template import fill_samples
from ..digdag.tree import walk
from ..findings import ERROR, WARNING, Finding
from .files import ProjectFiles, referenced_files
from .context import PROJECT, CheckContext

ID = "load-config"
SCOPE = PROJECT
TD_MODES = {"append", "replace", "truncate"}
COMMON_IN = {"type", "td_authentication_id", "incremental", "parser", "decoders", "columns",
             "default_timezone", "default_timestamp_format"}


def check(ctx: CheckContext) -> list[Finding]:
    return check_project(ctx.root, ctx.files)


def check_project(root: Path, files: ProjectFiles | None = None) -> list[Finding]:
    files = files or ProjectFiles(root)
    configs: set[str] = set()
    for _rel, dig in files.workflows():
        for task in walk(dig):
            if isinstance(task.config, dict) and task.operator == "td_load>":
                configs |= {f for f in referenced_files(task) if f and files.is_file(f)}
    findings: list[Finding] = []
    for rel in sorted(configs):
        findings += check_config(files.text(rel), rel)
    return findings


def check_config(text: str, rel: str) -> list[Finding]:
    filled = fill_samples(text)
    try:
        node = yaml.compose(filled, Loader=yaml.SafeLoader)
        data = yaml.safe_load(filled)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [Finding(rel, line, col, f"{ID}/yaml", ERROR, "invalid YAML once ${...} is "
                        f"substituted: {exc.problem or exc.context}")]
    where = _positions(node)
    if not isinstance(data, dict) or not isinstance(data.get("in"), dict) \
            or "type" not in data["in"]:
        return [Finding(rel, 1, 1, f"{ID}/structure", ERROR, "a load config needs an `in:` "
                        "mapping with `type:`")]
    findings = []
    if not isinstance(data.get("out"), dict):
        findings.append(Finding(rel, *where.get(("out",), (1, 1)), f"{ID}/structure", WARNING,
                                "no `out:` mapping: TD appends; say `out: {mode: append}` (or "
                                "replace) so the mode is a decision"))
    else:
        mode = data["out"].get("mode", "append")
        if str(mode) not in TD_MODES and not str(mode).startswith("v_"):
            findings.append(Finding(rel, *where.get(("out", "mode"), (1, 1)), f"{ID}/mode",
                                    ERROR, f"out.mode '{mode}' is not a TD output mode "
                                    "(append, replace, truncate; TD has no merge)"))
    findings += _params(data["in"], rel, where)
    return findings


def _params(config: dict, rel: str, where: dict) -> list[Finding]:
    connector = catalog.get(str(config["type"]))
    if connector is None:
        return []
    known = set(connector.params) | connector.generated_params | COMMON_IN
    if connector.window.style == "query":
        known |= {"query", "import_type", "table", "incremental_columns", "last_record"}
    findings = []
    for key in config:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.75)
        pos = where.get(("in", key), (1, 1))
        if close:
            findings.append(Finding(rel, *pos, f"{ID}/param", ERROR, f"'{key}' is not a "
                                    f"{connector.type} parameter; did you mean '{close[0]}'?"))
        else:
            findings.append(Finding(rel, *pos, f"{ID}/param", WARNING, f"'{key}' is not a "
                                    f"{connector.type} parameter the catalog knows"))
    return findings


def _positions(node, path=(), out=None) -> dict:
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = (key.start_mark.line + 1, key.start_mark.column + 1)
            _positions(value, path + (key.value,), out)
    return out
