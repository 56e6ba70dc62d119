"""Each required connector parameter: a scaffolded spec without it is an error at a position in
the spec; a CSV/TSV parser without columns too (Embulk's CSV parser has no default)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from click.testing import CliRunner

from generator import catalog
from generator.cli import cli
from generator.timestamp_formats import load_formats
from generator.spec.project import load_source
from generator.render.scaffold import ScaffoldRequest, scaffold_text
from tests.test_scaffold import flags

ROOT = Path(__file__).resolve().parents[1]
FORMATS = load_formats(ROOT / "templates" / "timestamp_formats", ROOT)


def request(connector: catalog.Connector) -> ScaffoldRequest:
    """The scaffold request the non-interactive flags of tests/test_scaffold.py make."""
    args, req = flags(connector), ScaffoldRequest("src", connector.type)
    for flag, value in zip(args[::2], args[1::2]):
        if flag == "--auth-id":
            req.auth_id = int(value)
        elif flag == "--object":
            req.objects.append(value)
        elif flag == "--param":
            req.params[value.partition("=")[0]] = value.partition("=")[2]
        elif flag == "--column":
            req.columns.append(value)
    return req


def scaffolded(connector: catalog.Connector) -> dict:
    return yaml.safe_load(scaffold_text(ROOT, request(connector)))


def findings(tmp_path: Path, data: dict) -> list[str]:
    path = tmp_path / "sources" / "src.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    _, found = load_source(path, tmp_path, FORMATS)
    return [str(f) for f in found if f.level == "error"]


def without(data: dict, name: str) -> dict:
    """``data`` with the parameter ``name`` removed wherever it is set."""
    for scope in [data] + data["objects"]:
        for kind in ("params", "secrets"):
            (scope.get(kind) or {}).pop(name, None)
    return data


REQUIRED = [(c.type, name) for c in catalog.CONNECTORS.values()
            for name, p in c.params.items() if p.required]


@pytest.mark.parametrize("connector", sorted(catalog.CONNECTORS))
def test_the_scaffolded_spec_has_no_error(connector, tmp_path):
    assert findings(tmp_path, scaffolded(catalog.get(connector))) == []


@pytest.mark.parametrize("connector, name", REQUIRED)
def test_a_missing_required_parameter_is_an_error_at_a_position(connector, name, tmp_path):
    errors = findings(tmp_path, without(scaffolded(catalog.get(connector)), name))
    assert len(errors) == 1, errors
    assert errors[0].startswith("sources/src.yml:")
    line, column = errors[0].split(":")[1:3]
    assert int(line) >= 1 and int(column) >= 1
    assert f"needs '{name}'" in errors[0]


def test_zendesk_requires_auth_method_and_columns():
    required = {n for n, p in catalog.get("zendesk").params.items() if p.required}
    assert {"auth_method", "columns", "login_url"} <= required
    assert "7aad7a0d" in catalog.get("zendesk").params["columns"].source


@pytest.mark.parametrize("kind", ["csv", "tsv"])
@pytest.mark.parametrize("connector", ["s3_v2", "sftp_v2", "gcs", "ftp", "azure_blob_storage"])
def test_a_csv_parser_without_columns_is_an_error_at_the_parser(connector, kind, tmp_path):
    data = scaffolded(catalog.get(connector))
    data["params"]["parser"]["type"] = kind
    del data["params"]["parser"]["columns"]
    errors = findings(tmp_path, data)
    assert len(errors) == 1 and f"a {kind} parser needs columns" in errors[0], errors
    text = (tmp_path / "sources" / "src.yml").read_text().splitlines()
    line, column = (int(x) for x in errors[0].split(":")[1:3])
    assert text[line - 1][column - 1:].startswith("parser:")


def test_file_locations_are_parameters_and_keys_are_mappings():
    for connector in ("s3_v2", "s3", "gcs"):
        data = scaffolded(catalog.get(connector))
        assert "bucket" in data["params"] and "bucket" not in data.get("secrets", {})
        assert all("path_prefix" in o["params"] for o in data["objects"])
    assert catalog.get("sftp_v2").params["secret_key_file"].wrap == "content"
    assert catalog.get("sftp_v2").docs.endswith("/int/sftp_v2-server-import-integration")


def test_the_cli_check_names_the_missing_columns(project, monkeypatch):
    spec = project / "sources" / "zd.yml"
    spec.write_text(scaffold_text(ROOT, request(catalog.get("zendesk"))).replace(
        "source: src", "source: zd").replace("src_", "zd_"))
    data = without(yaml.safe_load(spec.read_text()), "columns")
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", "--no-style"], catch_exceptions=False)
    assert result.exit_code == 1  # findings (README: 0 clean, 1 findings, 2 usage)
    assert "sources/zd.yml:2:12: error: params: zendesk needs 'columns'" in result.output
    assert "zendesk needs 'columns'" in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_check_reaches_the_per_object_load_configs(project, monkeypatch):
    """A per-object workflow names its config as config/${datasource.config_file}, from its
    exported `datasource:`; the load-config check reads that file too."""
    config = project / "workflows" / "config" / "klaviyo_events_load.yml"
    config.write_text(config.read_text().replace("  skip_related_objects:",
                                                 "  skip_related_objets:"))
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", "--no-style", "--select", "load-config",
                                      "workflows"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "workflows/config/klaviyo_events_load.yml:13:3: error: 'skip_related_objets' is " \
           "not a klaviyo parameter; did you mean 'skip_related_objects'?" in result.output
