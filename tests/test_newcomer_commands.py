"""Issue 13: the newcomer's path through the commands: no silent no-op, one clear message."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli, generate_source

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_check_on_a_folder_without_a_workflow_says_so(tmp_path):
    (tmp_path / "notes.yml").write_text("a: 1\n")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path}: no workflow (*.dig) in this folder, so nothing to check" in \
        result.output


def test_a_binary_spec_names_its_path_once(project):
    (project / "sources" / "blob.yml").write_bytes(b"\x00\xff\xfe binary")
    result = invoke("generate", "--root", str(project))
    assert result.exit_code == 2
    assert "sources/blob.yml:1:1: error: cannot read: not UTF-8 text [yaml-syntax]" in \
        result.output
    assert result.output.count("blob.yml") == 1


def test_a_binary_workflow_names_its_path_once(project):
    (project / "workflows" / "blob.dig").write_bytes(b"\x00\xff\xfe binary")
    result = invoke("check", str(project / "workflows"), "--no-style", "--select", "digdag")
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "blob.dig" in x)
    assert line.endswith("blob.dig:1:1: error: cannot read: not UTF-8 text [digdag/load]")
    assert line.count("blob.dig") == 1


def test_secrets_dry_run_works_offline_from_the_file_alone(project):
    example = json.loads((project / "credentials_ingestion.example.json").read_text())
    values = {key: f"real-{key}" for key in sorted(example)[1:]} | {"stale_key": "x"}
    (project / "credentials_ingestion.json").write_text(json.dumps(values))
    env = {"TD_API_KEY": None, "TD_SITE": None, "TD_API_ENDPOINT": None,
           "TD_WORKFLOW_ENDPOINT": None}
    result = invoke("secrets", "--dry-run", "--root", str(project), env=env)
    assert result.exit_code == 0, result.output
    assert f"{len(values) - 1} would set, 0 unchanged, 1 unused, 1 missing (project " \
           "ingestion, offline: TD not asked); dry run: nothing was uploaded" in result.output
    assert "(TD not asked: no API key)" in result.output
    assert not (project / ".tdgen").exists()


def test_a_scaffold_starts_last_month_so_the_first_run_loads_data(project):
    result = CliRunner().invoke(generate_source, ["crm", "--connector", "zendesk", "--column",
                                                  "id:long", "--root", str(project)])
    assert result.exit_code == 0, result.output
    text = (project / "sources" / "crm.yml").read_text()
    start = re.search(r'default_start_time: "(.*)Z"', text).group(1)
    first_of_this_month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0,
                                                    microsecond=0, tzinfo=None)
    assert datetime.fromisoformat(start) < first_of_this_month


def test_the_readme_add_a_source_commands_work_on_a_fresh_copy(project):
    readme = (REPO / "README.md").read_text()
    block = readme[readme.index("## Add a source"):].split("```")[1]
    commands = [line.split("#")[0].split()[1:] for line in
                block.replace("\\\n", " ").splitlines() if line.startswith("generate-source")]
    assert len(commands) >= 3
    for args in commands:
        result = CliRunner().invoke(generate_source, [*args, "--root", str(project)])
        assert result.exit_code == 0, (args, result.output)
        assert f"created sources/{args[0]}.yml" in result.output


def test_the_readme_connectors_section_covers_every_catalog_connector():
    from generator import catalog

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Connectors"):readme.index("## Reference sources")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    for connector in catalog.CONNECTORS:
        assert any(f"`{connector}`" in row.split("|")[1] for row in rows), connector
    assert "connector_takes_field: false" in section and "td_authentication_id" in section


def test_pre_commit_hooks_run_the_documented_commands():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["tdgen-generate-check"]["entry"].startswith("tdgen generate --check")
    assert hooks["tdgen-check"]["entry"] == "tdgen check"
    assert all(h["pass_filenames"] is False and h["language"] == "python"
               for h in hooks.values())
    readme = (REPO / "README.md").read_text()
    assert all(f"id: {hook}" in readme for hook in hooks)


def test_the_pre_commit_entries_pass_on_the_repository(project):
    for entry in ("generate --check --quiet", "check --no-style --select spec"):
        result = invoke(*entry.split(), "--root", str(project))
        assert result.exit_code == 0, (entry, result.output)


def test_only_the_corpus_tests_read_the_folder_beside_the_repository():
    readers = sorted(p.name for folder in ("tests", "generator", "benchmarks")
                     for p in (REPO / folder).rglob("*.py") if p != Path(__file__)
                     and re.search(r"parents\[2\]|\.\./shared|/work/shared/corpus",
                                  p.read_text(encoding="utf-8")))
    assert readers == ["test_check_corpus.py"]
    corpus = (REPO / "tests" / "test_check_corpus.py").read_text()
    assert "pytest.mark.skipif(" in corpus and "not CORPUS.is_dir()" in corpus
