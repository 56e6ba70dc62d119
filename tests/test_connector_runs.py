"""Every catalog connector, end to end: a spec scaffolded non-interactively renders, passes
`tdgen check` and runs two windows on the local engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import catalog
from generator.checks.load_config import check_config
from generator.checks.runner import Selection, run_repository
from generator.cli import generate_source
from generator.local.simulate import run_local
from tests.conftest import copy_project
from tests.test_scaffold import flags


def run_flags(connector: catalog.Connector) -> list[str]:
    """The scaffold flags; a connector that filters on its side with no default objects gets
    an incremental field, so its windows run too."""
    out = flags(connector)
    if connector.filters_server_side and not connector.object_fields:
        out += ["--incremental-field", "updated_at"]
    return out


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("connectors") / "repo")
    for connector in sorted(catalog.CONNECTORS):
        result = CliRunner().invoke(generate_source, [
            f"new_{connector}", *run_flags(catalog.get(connector)), "--root", str(root)],
            catch_exceptions=False)
        assert result.exit_code == 0, (connector, result.output, result.stderr)
    return root


def test_every_scaffolded_connector_passes_check(scaffolded):
    found = run_repository(scaffolded, Selection(style=False), cache=False)
    errors = [str(f) for f in found if f.level == "error" and "new_" in f.path]
    assert errors == []


def test_every_scaffolded_load_config_passes_the_load_config_check(scaffolded):
    """Each config on its own: the project check reaches configs named through
    ``config/${datasource.config_file}`` only by the for_each list."""
    configs = sorted((scaffolded / "workflows" / "config").glob("new_*_load.yml"))
    assert len(configs) >= 2 * len(catalog.CONNECTORS)
    errors = [str(f) for p in configs for f in check_config(p.read_text(), p.name)
              if f.level == "error"]
    assert errors == []


@pytest.mark.parametrize("connector", sorted(catalog.CONNECTORS))
def test_every_connector_runs_two_windows_locally(scaffolded, connector, tmp_path):
    sim = run_local(scaffolded, f"new_{connector}", runs=2, db_path=tmp_path / "l.duckdb",
                    fresh=True)
    assert [r.success for r in sim.runs] == [True, True]
    log = [r for r in sim.log() if r["status"] == "SUCCESS" and r.get("end_time")]
    assert log, "no load logged a SUCCESS"
    incremental = {r["table_name"] for r in log if r["start_time"] is not None}
    assert bool(incremental) == catalog.get(connector).filters_server_side
    for table in incremental:  # two windows, the second starting where the first ended
        windows = sorted((r["start_time"], r["end_time"]) for r in log
                         if r["table_name"] == table)
        assert len(windows) == 2 and windows[0][1] == windows[1][0], windows
