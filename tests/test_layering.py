"""The package's imports keep the layering written in CONTRIBUTING.md ("Layers"): no import
cycle between modules, no import from a lower layer to a higher one, and no module over 400
lines. Imports inside functions count too: a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
MAX_LINES = 400

# lowest first; a module belongs to the first layer one of whose prefixes it starts with
LAYERS = [
    ("building blocks", ("generator.errors", "generator.findings", "generator.catalog",
                         "generator.connectors", "generator.timestamp_formats", "generator.yamlpos",
                         "generator.yamlbounds", "generator.durations", "generator.terminal",
                         "generator.cache")),
    ("digdag", ("generator.digdag",)),
    ("spec", ("generator.spec",)),
    ("commands' libraries", ("generator.render", "generator.checks", "generator.local",
                             "generator.td", "generator.importer", "generator.sources_matrix")),
    ("cli", ("generator.cli",)),
]
# (importer, imported): why the one import against the layering is there
ALLOWED_UPWARD = {
    ("generator.spec.settings", "generator.checks.runner"):
        "tdgen.yml's check/select names rule ids, and only the checks know them",
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _targets(module: str, path: Path, node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        parts = module.split(".")[:len(module.split(".")) - (path.name != "__init__.py")]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    found = {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {t for t in found if t in MODULES}


def imports() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = set().union(*(_targets(module, path, n) for n in ast.walk(tree)))
        graph[module].discard(module)
    return graph


def layer(module: str) -> int:
    if module == "generator":
        return 0  # the package's __init__: a docstring and the version
    for i, (_name, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module}: in no layer; add it to LAYERS and CONTRIBUTING.md")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while component[-1:] != [v]:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


def test_no_import_from_a_lower_layer_to_a_higher_one():
    upward = sorted((m, t) for m, targets in imports().items() for t in targets
                    if layer(t) > layer(m) and (m, t) not in ALLOWED_UPWARD)
    assert upward == [], "\n".join(f"{m} ({LAYERS[layer(m)][0]}) imports {t} "
                                   f"({LAYERS[layer(t)][0]})" for m, t in upward)


def test_the_allowed_exceptions_are_still_needed():
    graph = imports()
    assert all(t in graph[m] for m, t in ALLOWED_UPWARD)


def test_no_import_cycle():
    graph = imports()
    for m, t in ALLOWED_UPWARD:
        graph[m].discard(t)
    assert _cycles(graph) == []


def test_no_module_over_400_lines():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
