"""The CLI at the other depths: real subprocesses of the installed commands, and docs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from generator.cli import cli

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args, cwd=REPO):
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_installed_commands_answer_help():
    tdgen = run("tdgen", "--help")
    assert tdgen.returncode == 0 and "generate" in tdgen.stdout
    scaffold = run("generate-source", "--help")
    assert scaffold.returncode == 0 and "--auth-id" in scaffold.stdout


def test_installed_generate_check_passes_on_the_repository():
    result = run("tdgen", "generate", "--check", "--quiet")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ identical$", result.stdout, re.MULTILINE)


def test_outside_a_project_is_a_clear_usage_error(tmp_path):
    result = run("tdgen", "generate", cwd=tmp_path)
    assert result.returncode == 2
    assert "no tdgen.yml found" in result.stderr and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = run("tdgen", "--debug", "generate", cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_every_command_and_option_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, command in cli.commands.items():
        assert f"tdgen {name}" in readme, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--root",):
                    assert opt in readme, (name, opt)
    assert "generate-source" in readme


def test_every_spec_field_is_in_the_readme_spec_reference():
    from generator.spec.model import DataObject, History, SourceSpec

    readme = (REPO / "README.md").read_text()
    reference = readme[readme.index("## Spec reference"):readme.index("## Timestamp formats")]
    for model in (SourceSpec, DataObject, History):
        for name in model.model_fields:
            assert f"`{name}`" in reference, (model.__name__, name)
