"""plan and run-local import only what they use (start-up is most of a plan's time)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import sys
sys.argv = ["tdgen", *{args!r}]
from generator.cli import main
try:
    main()
except SystemExit:
    pass
print("MODULES", " ".join(sorted(m for m in {names!r} if m in sys.modules)))
"""
NEVER = ("jinja2", "dukpy", "trino_sql_validator", "tdclient", "requests")


def imported(*args: str, names: tuple[str, ...] = NEVER) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args, names=names)],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return set(out.rsplit("MODULES", 1)[1].split())


def test_plan_imports_no_template_js_validator_or_td_library(tmp_path):
    assert imported("plan", "klaviyo", "--now", "2026-11-22T00:00:00Z") == set()


def test_plan_does_not_load_the_workflow_interpreter_or_the_connectors():
    # plan runs the generated window SQL; the session it needs is a clock, not an interpreter
    engine = ("generator.local.interpreter", "generator.local.operators",
              "generator.local.connector", "generator.local.fixtures")
    assert imported("plan", "klaviyo", "--now", "2026-11-22T00:00:00Z", names=engine) == set()


def test_run_local_imports_no_template_validator_or_td_library(tmp_path):
    found = imported("run-local", "klaviyo", "--runs", "1", "--now", "2026-11-01T00:00:00Z",
                     "--fresh", "--db", str(tmp_path / "l.duckdb"))
    assert found <= {"dukpy"}  # a condition (`td.last_results... == null`) needs the JS engine
