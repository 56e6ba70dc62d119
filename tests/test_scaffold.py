"""generate-source: a valid spec for every catalog connector, rendered; never overwrites."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from generator import catalog
from generator.checks.digdag_rules import check_project
from generator.checks.sql import check_files
from generator.cli import generate_source
from generator.spec.project import load_project
from tests.conftest import snapshot


def scaffold(project, *args):
    return CliRunner().invoke(generate_source, [*args, "--root", str(project)],
                              catch_exceptions=False)


def flags(connector: catalog.Connector) -> list[str]:
    """Everything a non-interactive scaffold needs: auth, objects, required values, columns."""
    out = ["--connector", connector.type]
    if connector.auth == "td_authentication_id":
        out += ["--auth-id", "456789"]
    if not connector.object_fields:
        out += ["--object", "orders", "--object", "customers"]
    for name, param in connector.params.items():
        if name in ("parser", "columns") and param.required:
            out += ["--column", "id:long", "--column", "updated_at:timestamp"]
        elif param.required and param.scope != "object" and not param.secret and \
                name not in connector.scaffold_secrets + tuple(connector.scaffold_params):
            out += ["--param", f"{name}=x"]
    return out


@pytest.mark.parametrize("connector", sorted(catalog.CONNECTORS))
def test_scaffold_creates_a_valid_rendered_spec(connector, project):
    c = catalog.get(connector)
    result = scaffold(project, f"new_{connector}", *flags(c))
    assert result.exit_code == 0, result.output + result.stderr
    assert f"created sources/new_{connector}.yml" in result.output
    loaded = load_project(project)  # the whole project is still valid
    spec = loaded.source(f"new_{connector}").spec
    assert spec.connector == connector and spec.objects
    workflows = project / "workflows"
    assert (workflows / f"new_{connector}_ingest_inc.dig").exists()
    assert check_project(workflows) == []
    sql = [p.relative_to(workflows).as_posix() for p in workflows.glob(f"sql/new_{connector}*")]
    assert sql and [f for f in check_files(workflows, sql) if f.level == "error"] == []
    if c.filters_server_side and c.object_fields:
        assert any(o.incremental for o in spec.objects)
    if not c.filters_server_side:
        assert not any(o.incremental for o in spec.objects)


def test_the_name_is_the_connector_by_default(project):
    result = scaffold(project, "zendesk", "--column", "id:long")
    assert result.exit_code == 0, result.stderr
    assert "connector: zendesk" in (project / "sources" / "zendesk.yml").read_text()


def test_scaffold_refuses_to_overwrite_a_spec(project):
    before = snapshot(project)
    result = scaffold(project, "klaviyo", "--auth-id", "456789")
    assert result.exit_code == 2
    assert "sources/klaviyo.yml already exists" in result.stderr
    assert snapshot(project) == before


def test_scaffold_overwrites_with_force(project):
    result = scaffold(project, "shopify_v2", "--auth-id", "360999", "--force")
    assert result.exit_code == 0, result.stderr
    assert "td_authentication_id: 360999" in (project / "sources/shopify_v2.yml").read_text()


@pytest.mark.parametrize("args, message", [
    (["klaviyo_eu"], "is not a connector type; pass --connector"),
    (["klaviyo_eu", "--connector", "klavio"], "did you mean 'klaviyo'"),
    (["klaviyo_eu", "--connector", "klaviyo"], "pass --auth-id"),
    (["warehouse", "--connector", "bigquery_v2", "--auth-id", "456789"], "pass --object"),
    (["Bad-Name", "--connector", "zendesk"], "use lowercase letters"),
])
def test_scaffold_usage_errors_write_nothing(project, args, message):
    before = snapshot(project)
    result = scaffold(project, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert snapshot(project) == before


def test_a_scaffold_that_breaks_the_project_is_rolled_back(project):
    """Its table klaviyo_metric_data collides with Klaviyo's metrics table."""
    before = snapshot(project)
    result = scaffold(project, "klaviyo_metric", "--connector", "bigquery_v2", "--auth-id",
                      "456789", "--object", "data", "--param", "dataset=d")
    assert result.exit_code == 2
    assert "table 'klaviyo_metric_data' is also loaded by" in result.stderr
    assert snapshot(project) == before  # the new spec is gone again, nothing rendered


def test_a_forced_scaffold_that_fails_restores_the_old_spec(project):
    old = (project / "sources/pinterest.yml").read_text()
    workflow = project / "workflows" / "pinterest_ingest_inc.dig"
    workflow.write_text(workflow.read_text() + "# my edit\n")
    before = snapshot(project)
    result = scaffold(project, "pinterest", "--connector", "sftp_v2", "--object", "pins",
                      "--column", "id:long", "--force")
    assert result.exit_code == 2
    assert "edited by hand: workflows/pinterest_ingest_inc.dig" in result.stderr
    assert (project / "sources/pinterest.yml").read_text() == old
    assert snapshot(project) == before


def test_off_a_terminal_every_missing_flag_is_listed_at_once(project):
    before = snapshot(project)
    result = scaffold(project, "files", "--connector", "s3_v2")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    for flag in ("--auth-id", "--object NAME", "--param bucket=VALUE", "--column NAME:TYPE"):
        assert flag in message
    assert snapshot(project) == before


def test_the_next_steps_are_printed(project):
    result = scaffold(project, "crm", "--connector", "zendesk", "--column", "id:long")
    assert result.exit_code == 0
    assert "`tdgen check`; `tdgen preview crm`" in result.output and "`tdgen plan crm`" in \
        result.output


def test_on_a_terminal_it_asks_for_what_is_missing_objects_included():
    from generator.render.scaffold import ScaffoldRequest
    from generator.render.scaffold_prompt import ask_missing

    answers = iter(["360360", " ", "orders, customers", "exports", "id:lng",
                    "id:long, name:string"])
    asked, said = [], []

    def ask(text, type=str):
        asked.append(text)
        return type(next(answers))

    req = ScaffoldRequest("files", "s3_v2")
    ask_missing(catalog.get("s3_v2"), req, ask, said.append)
    assert req.auth_id == 360360 and req.objects == ["orders", "customers"]
    assert req.params == {"bucket": "exports"} and req.columns == ["id:long", "name:string"]
    assert said == ["  name at least one object",
                    "  --column id:lng: expected NAME:TYPE with TYPE one of boolean, long, "
                    "double, string, timestamp, json"]
    assert asked[0].startswith("TD Authentication id") and "bucket" in asked[3]


def test_an_unknown_object_on_a_terminal_gets_a_did_you_mean():
    from generator.render.scaffold import ScaffoldRequest
    from generator.render.scaffold_prompt import _objects

    with pytest.raises(Exception, match="did you mean 'tickets'"):
        _objects(catalog.get("zendesk"), "tickts")
    assert _objects(catalog.get("zendesk"), "tickets, users") == ["tickets", "users"]
    assert ScaffoldRequest("x", "zendesk").objects == []
