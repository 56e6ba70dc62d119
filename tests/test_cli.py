"""The CLI at the other depths: real subprocesses of the installed commands, and docs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

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


def _commands(group, prefix="tdgen"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command


def test_every_option_of_every_command_has_a_help_line():
    from generator.cli import generate_source

    commands = [("tdgen", cli), *_commands(cli), ("generate-source", generate_source)]
    missing = [(name, opt.opts[0]) for name, command in commands for opt in command.params
               if isinstance(opt, click.Option) and not opt.help]
    assert missing == []


def test_generate_source_is_also_a_tdgen_command_listed_in_help():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "generate-source  Scaffold sources/NAME.yml" in \
        result.output
    result = CliRunner().invoke(cli, ["generate-source", "--help"])
    assert result.exit_code == 0 and "--auth-id" in result.output


def test_a_reader_that_stops_early_ends_the_command_quietly():
    proc = subprocess.Popen([str(BIN / "tdgen"), "check", "--list"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `tdgen check --list | head -0`
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141  # 128 + SIGPIPE, as a Unix tool: never a false 0
    assert stderr == ""
