"""Issue 13: mistakes in specs caught where they are made; long work shows progress on a
terminal and nothing extra elsewhere."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli
from generator.terminal import progress

BIN = Path(sys.executable).parent
KLAVIYO_HIST = """\
source: {name}
connector: klaviyo
td_authentication_id: 456789
default_start_time: "2025-01-01T00:00:00.000000"
objects:
  - {{name: lists, table: {name}_lists, incremental: {{table_field: updated, connector_field: updated}}}}
history:
  start: "{start}"
  months_per_run: 1
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def edit_and_generate(project: Path, source: str, old: str, new: str, *options: str):
    spec = project / "sources" / f"{source}.yml"
    spec.write_text(spec.read_text().replace(old, new))
    return invoke("generate", "--root", str(project), *options)


def test_a_yaml_spec_is_read_like_a_yml_spec(project):
    (project / "sources" / "demo.yaml").write_text(
        KLAVIYO_HIST.format(name="demo", start="2024-01-01T00:00:00.000000"))
    result = invoke("sources", "--root", str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"source": "demo"' in result.output


def test_the_same_source_in_yml_and_yaml_is_an_error(project):
    text = KLAVIYO_HIST.format(name="demo", start="2024-01-01T00:00:00.000000")
    (project / "sources" / "demo.yml").write_text(text)
    (project / "sources" / "demo.yaml").write_text(text)
    result = invoke("generate", "--root", str(project))
    assert result.exit_code == 2
    assert "sources/demo.yml:1:1: error: sources/demo.yaml also defines source 'demo'; keep " \
           "one of the two files [spec]" in result.output


def test_an_object_a_confirmed_list_lacks_is_an_error_with_did_you_mean(project):
    result = edit_and_generate(project, "shopify_v2", "name: products\n", "name: product\n")
    assert result.exit_code == 2
    assert "error: objects/0/name: 'product' is not a shopify_v2 object; did you mean " \
           "'products'? (TD documents: products, product_variants" in result.output


def test_an_object_a_confirmed_fact_names_is_accepted(project):
    result = edit_and_generate(project, "shopify_v2", "name: products\n",
                               "name: metafields\n", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "metafields" in result.output and "spec warning" not in result.output


def test_an_unconfirmed_list_keeps_a_warning_counted_in_the_summary(project):
    result = edit_and_generate(project, "klaviyo", "- name: lists", "- name: listz", "--quiet")
    assert result.exit_code == 0, result.output
    assert "warning: objects/2/name: 'listz' is not a known klaviyo object; did you mean " \
           "'lists'?" in result.output
    assert result.output.rstrip().endswith("; 1 spec warning (listed above)")


def test_a_history_of_the_longest_length_passes_trinos_parser(project):
    from generator.checks.sql import check_sql

    (project / "sources" / "demo.yml").write_text(
        KLAVIYO_HIST.format(name="demo", start="2000-01-01T00:00:00.000000"))  # 300 months
    assert invoke("generate", "--root", str(project), "--quiet").exit_code == 0
    sql = project / "workflows" / "sql" / "demo_hist_pending.sql"
    assert sql.read_text().count("\n    ('") == 300
    assert [f for f in check_sql(sql.read_text(), "x.sql") if f.level == "error"] == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only():
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with progress("checking", 2, stream=stream) as step:
            step("digdag")
            step("sql")
    assert "checking" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_progress_waits_for_many_units():
    terminal = _Terminal()
    with progress("rendering", 5, minimum=20, stream=terminal) as step:
        step("klaviyo")
    assert terminal.getvalue() == ""


def test_check_shows_progress_on_a_terminal_and_nothing_in_a_pipe(project):
    import pty

    args = [str(BIN / "tdgen"), "check", "--root", str(project), "--no-style",
            "--select", "references"]
    piped = subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == "0 errors, 0 warnings\n"
    main, child = pty.openpty()
    proc = subprocess.run(args, check=False, stdout=subprocess.PIPE, stderr=child, timeout=120)
    os.close(child)
    shown = os.read(main, 65536).decode()
    os.close(main)
    assert proc.returncode == 0 and "checking" in shown and "1/1" in shown


def test_generate_of_many_sources_shows_progress_on_a_terminal(project, monkeypatch):
    from generator.render.generate import generate

    for i in range(20):
        (project / "sources" / f"demo{i}.yml").write_text(
            KLAVIYO_HIST.format(name=f"demo{i}", start="2024-01-01T00:00:00.000000"))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    generate(project, progress=True)
    assert "rendering" in terminal.getvalue() and "25/25" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", pipe := io.StringIO())
    generate(project, progress=False)
    assert pipe.getvalue() == ""
