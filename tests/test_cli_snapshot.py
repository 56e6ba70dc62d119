"""Every command's output and exit code, recorded once and compared on every run.

The snapshot (``tests/snapshots/cli.json``) was written from the code before the package was
regrouped (issue 15), so a refactoring that changes what a user sees or the exit code a script
reads fails here. Temporary paths are written as ``<ROOT>``. After a change of behaviour that
is meant, refresh it with ``TDGEN_SNAPSHOT_UPDATE=1 pytest tests/test_cli_snapshot.py`` and
review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli, generate_source
from tests.conftest import copy_project

SNAPSHOT = Path(__file__).parent / "snapshots" / "cli.json"
NOW = "2024-03-01T00:00:00Z"
LATER = "2026-01-01T00:00:00Z"
# no TD account, no CI: the environment every case runs in
ENV = {"TD_API_KEY": None, "TD_SITE": None, "TD_API_ENDPOINT": None, "GITHUB_ACTIONS": None}

BROKEN_SPEC = """\
name: broken
connector: klaviyo
objects:
  - name: events
    tabel: klaviyo_events
"""


def _cases() -> list[tuple[str, list[str]]]:
    """(name, argv) of each case; argv[0] is ``tdgen`` or ``generate-source``."""
    cases = [("tdgen --help", ["tdgen", "--help"]),
             ("tdgen (no command)", ["tdgen"]),
             ("tdgen nosuch", ["tdgen", "nosuch"]),
             ("generate-source --help", ["generate-source", "--help"])]
    cases += [(f"tdgen {name} --help", ["tdgen", name, "--help"]) for name in sorted(cli.commands)]
    R, B = "<ROOT>", "<BROKEN>"
    cases += [
        ("check --list", ["tdgen", "check", "--list"]),
        ("check repo", ["tdgen", "check", "--no-cache", "--root", R]),
        ("check repo json", ["tdgen", "check", "--no-style", "--format", "json", "--root", R]),
        ("check repo github", ["tdgen", "check", "--no-style", "--format", "github",
                               "--strict", "--root", R]),
        ("check broken spec", ["tdgen", "check", "--no-style", "--root", B]),
        ("check broken spec json", ["tdgen", "check", "--no-style", "--format", "json",
                                    "--root", B]),
        ("check select digdag", ["tdgen", "check", "--no-style", "--select", "digdag",
                                 "--root", R]),
        ("check select old operator rule", ["tdgen", "check", "--no-style", "--select",
                                            "digdag/operator", "--root", R]),
        ("check select unknown", ["tdgen", "check", "--select", "digdg", "--root", R]),
        ("check ignore unknown", ["tdgen", "check", "--ignore", "sql/sintax", "--root", R]),
        ("check path workflows", ["tdgen", "check", "--no-style", "<ROOT>/workflows"]),
        ("check path no dig", ["tdgen", "check", "<ROOT>/sources"]),
        ("check path missing", ["tdgen", "check", "<ROOT>/nosuch"]),
        ("generate --check", ["tdgen", "generate", "--check", "--quiet", "--root", R]),
        ("generate --dry-run", ["tdgen", "generate", "--dry-run", "--quiet", "--root", R]),
        ("generate broken", ["tdgen", "generate", "--dry-run", "--root", B]),
        ("generate no root", ["tdgen", "generate", "--root", "<ROOT>/sources"]),
        ("sources text", ["tdgen", "sources", "--root", R]),
        ("sources json", ["tdgen", "sources", "--format", "json", "--root", R]),
        ("sources broken", ["tdgen", "sources", "--root", B]),
        ("plan", ["tdgen", "plan", "klaviyo", "--now", NOW, "--runs", "2", "--root", R]),
        ("plan json", ["tdgen", "plan", "onetrust", "--now", NOW, "--format", "json",
                       "--root", R]),
        ("plan unknown source", ["tdgen", "plan", "klavyo", "--now", NOW, "--root", R]),
        ("plan bad now", ["tdgen", "plan", "klaviyo", "--now", "yesterday", "--root", R]),
        ("plan bad every", ["tdgen", "plan", "klaviyo", "--now", NOW, "--every", "often",
                            "--root", R]),
        ("plan every 1D", ["tdgen", "plan", "klaviyo", "--now", NOW, "--every", "1D",
                           "--runs", "2", "--root", R]),
        ("plan log and td", ["tdgen", "plan", "klaviyo", "--log", "x.jsonl", "--td",
                             "--root", R]),
        ("plan missing log", ["tdgen", "plan", "klaviyo", "--now", NOW, "--log",
                              "<ROOT>/nosuch.jsonl", "--root", R]),
        ("status since 1D", ["tdgen", "status", "--since", "1D", "--local", "--root", R]),
        ("status bad since word", ["tdgen", "status", "--since", "soon", "--local",
                                   "--root", R]),
        ("status bad stale-after", ["tdgen", "status", "--stale-after", "x", "--local",
                                    "--root", R]),
        ("status bad now", ["tdgen", "status", "--now", "yesterday", "--local", "--root", R]),
        ("status no key", ["tdgen", "status", "--root", R]),
        ("status missing local", ["tdgen", "status", "--local", "<ROOT>/nosuch.duckdb",
                                  "--now", NOW, "--root", R]),
        ("run-local bad every", ["tdgen", "run-local", "klaviyo", "--every", "often",
                                 "--root", R]),
        ("run-local bad now", ["tdgen", "run-local", "klaviyo", "--now", "yesterday",
                               "--root", R]),
        ("run-local bad fail", ["tdgen", "run-local", "klaviyo", "--fail", "events",
                                "--root", R]),
        ("run-local one run", ["tdgen", "run-local", "onetrust", "--runs", "2", "--now", LATER,
                               "--fresh", "--db", "<ROOT>/local.duckdb", "--root", R]),
        ("status of that run", ["tdgen", "status", "--local", "<ROOT>/local.duckdb", "--now",
                                "2026-01-03T00:00:00Z", "--root", R]),
        ("status json of that run", ["tdgen", "status", "--local", "<ROOT>/local.duckdb",
                                     "--now", "2026-01-03T00:00:00Z", "--format", "json",
                                     "--root", R]),
        ("status stale a month later", ["tdgen", "status", "--local", "<ROOT>/local.duckdb",
                                        "--now", "2026-02-01T00:00:00Z", "--since", "60d",
                                        "--root", R]),
        ("plan from that run", ["tdgen", "plan", "onetrust", "--log", "<ROOT>/local.duckdb",
                                "--now", "2026-01-03T00:00:00Z", "--root", R]),
        ("run-local unknown source", ["tdgen", "run-local", "klavyo", "--root", R]),
        ("push no key", ["tdgen", "push", "--dry-run", "--revision", "r1", "--root", R]),
        ("secrets no key", ["tdgen", "secrets", "--dry-run", "--root", R]),
        ("preview no key", ["tdgen", "preview", "klaviyo", "--root", R]),
        ("preview bad window", ["tdgen", "preview", "klaviyo", "--window", "x", "--root", R]),
        ("guess no key", ["tdgen", "guess", "pinterest", "pins", "--root", R]),
        ("import missing dir", ["tdgen", "import", "<ROOT>/nosuch", "--root", R]),
        ("import bad auth-id", ["tdgen", "import", "<ROOT>/sources", "--auth-id", "x",
                                "--root", R]),
        ("generate-source not a connector", ["generate-source", "foo", "--root", R]),
        ("generate-source bad param", ["generate-source", "klaviyo", "--param", "x",
                                       "--root", R]),
        ("generate-source exists", ["generate-source", "klaviyo", "--no-render",
                                    "--root", R]),
        ("generate-source unknown connector", ["generate-source", "foo", "--connector",
                                               "nosuch", "--root", R]),
        ("tdgen generate-source not a connector", ["tdgen", "generate-source", "foo",
                                                   "--root", R]),
    ]
    return cases


FIXED_MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("snap")
    root = copy_project(base / "repo")
    broken = copy_project(base / "broken")
    (broken / "sources" / "broken.yml").write_text(BROKEN_SPEC, encoding="utf-8")
    for copy in (root, broken):  # push's archive holds mtimes: not those of the checkout
        for path in copy.rglob("*"):
            os.utime(path, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)
    return root, broken


def _normalise(text: str, root: Path, broken: Path) -> str:
    for path, name in ((root, "<ROOT>"), (broken, "<BROKEN>")):
        text = text.replace(str(path.resolve()), name).replace(str(path), name)
    return re.sub(r"(?<=version )\d+\.\d+\.\d+\S*", "<VERSION>", text)


def _run(argv: list[str], root: Path, broken: Path) -> dict:
    args = [a.replace("<ROOT>", str(root)).replace("<BROKEN>", str(broken)) for a in argv[1:]]
    command = generate_source if argv[0] == "generate-source" else cli
    prog = argv[0]
    cwd = os.getcwd()
    try:
        os.chdir(root)
        result = CliRunner(env=ENV).invoke(command, args, prog_name=prog)
    finally:
        os.chdir(cwd)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return {"exit_code": result.exit_code,
            "stdout": _normalise(result.stdout, root, broken),
            "stderr": _normalise(result.stderr, root, broken)}


def test_every_command_answers_as_recorded(roots):
    root, broken = roots
    got = {name: {"argv": argv, **_run(argv, root, broken)} for name, argv in _cases()}
    if os.environ.get("TDGEN_SNAPSHOT_UPDATE"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(recorded)
    changed = {name: got[name] for name in recorded if got[name] != recorded[name]}
    assert not changed, json.dumps(changed, indent=1)
