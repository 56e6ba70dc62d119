"""tdgen check as a command: modes, formats, exit codes, selection, per-project settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from generator.checks.registry import checks
from generator.cli import cli

REPO = Path(__file__).resolve().parent.parent


def run(*args):
    return CliRunner().invoke(cli, ["check", *args])


def write_project(folder: Path, dig: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wf.dig").write_text(dig)
    return folder


def test_the_repository_passes_with_no_error_and_no_warning():
    result = run("--root", str(REPO))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "0 errors, 0 warnings"


def test_errors_exit_1_with_path_line_column_and_rule(tmp_path):
    folder = write_project(tmp_path / "p", "+g:\n  database: db\n  +a:\n    echo>: hi\n")
    result = run(str(folder), "--no-style")
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(str(folder))}/wf.dig:2:3: error: .* \[digdag/group-key\]$",
                     result.output, re.M)
    assert "1 error, 0 warnings" in result.stderr


def test_warnings_pass_unless_strict(tmp_path):
    folder = write_project(tmp_path / "p", "+a:\n  my_plugin>: x\n")
    assert run(str(folder), "--no-style").exit_code == 0
    assert run(str(folder), "--no-style", "--strict").exit_code == 1


def test_json_and_github_formats(tmp_path):
    folder = write_project(tmp_path / "p", "meta: 1\n+a:\n  echo>: hi\n")
    data = json.loads(run(str(folder), "--no-style", "--format", "json").output)
    assert data == [{"path": f"{folder}/wf.dig", "line": 1, "column": 1,
                     "rule": "digdag/top-level-key", "level": "error",
                     "message": data[0]["message"]}]
    github = run(str(folder), "--no-style", "--format", "github").output
    assert github.startswith(f"::error file={folder}/wf.dig,line=1,col=1,"
                             "title=digdag/top-level-key::Workflow includes unknown keys")


def test_select_and_ignore(tmp_path):
    folder = write_project(tmp_path / "p", "meta: 1\n+a:\n  echo>: ${x\n")

    def rules(*args):
        output = run(str(folder), "--no-style", "--format", "json", *args).output
        return {f["rule"] for f in json.loads(output)}

    assert rules() == {"digdag/top-level-key", "expr/unclosed"}
    assert rules("--select", "expr") == {"expr/unclosed"}
    assert rules("--ignore", "digdag/top-level-key") == {"expr/unclosed"}


def test_an_old_rule_id_still_selects_its_rule_and_says_what_it_became(tmp_path):
    folder = write_project(tmp_path / "p", "+a:\n  my_plugin>: x\n")
    for old_option in (["--select", "digdag/operator"], ["--ignore", "digdag/operator"]):
        result = run(str(folder), "--format", "json", *old_option)
        assert result.exit_code == 0, result.output
        rules = {f["rule"] for f in json.loads(result.stdout)}
        assert rules == ({"digdag/unknown-operator"} if old_option[0] == "--select" else set())
        assert (f"note: {old_option[0]} digdag/operator: this rule is now "
                "digdag/unknown-operator; the old id is accepted until 0.2") in result.stderr
    settings = write_project(tmp_path / "q", "+a:\n  my_plugin>: x\n")
    (settings / ".tdgen-check.yml").write_text("ignore: [digdag/operator]\n")
    result = run(str(settings), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == [], result.output


def test_project_settings_file(tmp_path):
    folder = write_project(tmp_path / "p", "meta: 1\n+a:\n  echo>: hi\n")
    (folder / ".tdgen-check.yml").write_text("ignore: [digdag/top-level-key]\nstyle: false\n")
    assert run(str(folder)).exit_code == 0
    (folder / ".tdgen-check.yml").write_text("ignroe: []\n")
    result = run(str(folder))
    assert result.exit_code == 2
    assert ".tdgen-check.yml:1:1: error: top level: unknown key 'ignroe'; did you mean " \
           "'ignore'?" in result.stderr


def test_a_missing_folder_is_a_usage_error(tmp_path):
    assert run(str(tmp_path / "nope")).exit_code == 2


def test_style_runs_yamllint_as_a_command(tmp_path):
    folder = write_project(tmp_path / "p", "+a:   \n  echo>: hi\n")
    result = run(str(folder), "--format", "json")
    rules = {f["rule"] for f in json.loads(result.output)}
    assert rules == {"style/trailing-spaces"} and result.exit_code == 0


def test_every_check_is_documented():
    readme = (REPO / "README.md").read_text()
    listing = CliRunner().invoke(cli, ["check", "--list"]).output
    for check in checks():
        assert check.doc and f"| `{check.id}` |" in readme, check.id
        assert f"[{check.id}]" in listing


def test_every_rule_in_the_case_files_is_in_its_module_docstring():
    import yaml

    docs = {c.id: c.doc for c in checks()}
    for file in (REPO / "tests" / "cases" / "check").glob("*.yml"):
        data = yaml.safe_load(file.read_text())
        for case in data["cases"]:
            for *_where, rule in case["findings"]:
                check_id, name = rule.split("/", 1)
                if check_id == "style":
                    continue  # style/<rule> are yamllint's own rules
                doc = docs[check_id]
                assert f"``{name}``" in doc or f"``{rule}``" in doc, rule
