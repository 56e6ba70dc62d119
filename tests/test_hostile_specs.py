"""A spec is data, never a path, code or a secret channel (issue 10): each probe of the issue
is one error at ``file:line:column``, exit 2, no traceback, nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import snapshot

BASE = """\
source: demo
connector: bigquery_v2
td_authentication_id: 360071
timestamp_format: sql_server
default_start_time: "2025-09-01 00:00:00.000"
secrets:
  project_id: demo_project_id
params:
  dataset: shopify
objects:
  - name: orders
    table: demo_orders
    incremental: {table_field: updated_at, connector_field: updated_at}
"""
LONG = "o" * 300

# (id, text replaced in BASE, replacement, line:column, part of the message)
CASES = [
    ("object-path-traversal", "name: orders", "name: ../../../../victim/prod", "11:11",
     "'../../../../victim/prod' is not a valid object name"),
    ("object-sql-injection", "name: orders", "name: 'x` WHERE 1=1; DROP TABLE t; --'", "11:11",
     "is not a valid object name"),
    ("object-newline-yaml-injection", "name: orders", 'name: "a\\nmode: replace"', "11:11",
     "is not a valid object name"),
    ("object-over-255-bytes", "name: orders", f"name: {LONG}", "11:11", "at most 128 bytes"),
    ("object-dot-dot", "name: orders", "name: ..", "11:11", "is not a valid object name"),
    ("table-field-quote", "table_field: updated_at", "table_field: \"x' OR '1'='1\"", "13:32",
     "is not a valid table field name"),
    ("connector-field-injection", "connector_field: updated_at",
     "connector_field: 'a` > 0 OR 1=1; --'", "13:61", "is not a valid connector field name"),
    ("secret-in-params", "dataset: shopify", 'dataset: "${secret:other_source_password}"',
     "9:12", "params/dataset: ${secret:...} is allowed only through a secrets: mapping"),
    ("secret-in-nested-params", "dataset: shopify",
     'dataset: {parser: {columns: [{name: "${ secret:other}", type: string}]}}', "9:",
     "params/dataset/parser/columns/0/name: ${secret:...} is allowed only"),
    ("secret-in-object-params", "    table: demo_orders",
     "    table: demo_orders\n    params: {dataset: '${secret:k}'}", "13:23",
     "objects/0/params/dataset: ${secret:...}"),
    ("secret-in-description", "source: demo", "source: demo\ndescription: ${secret:k}", "2:14",
     "description: ${secret:...}"),
    ("secret-key-digdag-rule", "project_id: demo_project_id", "project_id: 1-abc", "7:15",
     "'1-abc' is not a valid secret key name (Digdag's secret key rule"),
    ("secret-key-trailing-dash", "project_id: demo_project_id", "project_id: abc-", "7:15",
     "is not a valid secret key name"),
    ("secret-key-as-reference", "project_id: demo_project_id", "project_id: ${secret:x}",
     "7:15", "is not a valid secret key name"),
    ("hist-table-too-long", "table: demo_orders", f"table: {'t' * 125}", "12:12",
     "historical table"),
    ("unknown-key-named-str", "    table: demo_orders", "    table: demo_orders\n    str: 1",
     "13:5", "objects/0: unknown key 'str'"),
    ("unknown-key-with-bracket", "    table: demo_orders",
     "    table: demo_orders\n    'a[0]': 1", "13:5", "objects/0: unknown key 'a[0]'"),
    ("unknown-key-int-in-object", "    table: demo_orders",
     "    table: demo_orders\n    int: 3", "13:5", "objects/0: unknown key 'int'"),
    ("unknown-key-in-history-mapping", "    table: demo_orders",
     "    table: demo_orders\n    history: {int: 3}", "13:15",
     "objects/0/history: unknown key 'int'"),
    ("tag-python-object", "dataset: shopify", "dataset: !!python/object:os.system x", "9:12",
     "YAML tag !!python/object:os.system is not allowed"),
    ("tag-int-abc", "dataset: shopify", "dataset: !!int abc", "9:12",
     "'abc' is not a valid !!int"),
    ("tag-verbatim", "dataset: shopify", "dataset: !<tag:x> 1", "9:12",
     "YAML tag tag:x is not allowed"),
    ("merge-of-scalar", "dataset: shopify", "<<: 5", "9:7", "for merging"),
    ("nul-character", "dataset: shopify", "dataset: sho\x00pify", "9:15",
     "character #x0000 is not allowed"),
    ("control-character", "dataset: shopify", "dataset: sho\x1bpify", "9:15",
     "character #x001b is not allowed"),
    ("deep-nesting", "dataset: shopify", "dataset: " + "[" * 1000 + "]" * 1000, "9:",
     "nested deeper than 64 levels"),
    ("alias-bomb", "dataset: shopify",
     'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
     + "".join(f"  {c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
               for p, c in zip("abcdefgh", "bcdefghi")) + "  dataset: shopify", "",
     "aliases expand this value to"),
    ("recursive-alias", "dataset: shopify", "dataset: &a [*a]", "9:12", "recursive alias"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_spec(case, project, tdgen):
    _, old, new, at, message = case
    assert old in BASE
    (project / "sources" / "demo.yml").write_text(BASE.replace(old, new, 1), encoding="utf-8")
    before = snapshot(project)
    result = tdgen("generate")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"sources/demo.yml:{at}"), errors[0]
    assert message in errors[0], errors[0]
    assert "Traceback" not in result.output + result.stderr
    assert snapshot(project) == before
    assert not (project.parent / "victim").exists()


def test_the_base_spec_is_valid(project, tdgen):
    (project / "sources" / "demo.yml").write_text(BASE, encoding="utf-8")
    assert tdgen("generate", "--dry-run").exit_code == 0
