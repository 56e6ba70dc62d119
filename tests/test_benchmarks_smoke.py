"""The benchmark runner works: its smoke mode prints well-formed tables (timings not judged)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("### Targets", "### Generation", "### Checks", "### Where the time goes",
            "### Window cost on DuckDB", "### Start-up")
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?x?$")


def tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Every markdown table under a ### heading, as rows of {column: cell}."""
    found: dict[str, list[dict[str, str]]] = {}
    heading = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("### "):
            heading = line
        if line.startswith("|") and heading and heading not in found:
            header = [c.strip() for c in line.strip("|").split("|")]
            separator = lines[i + 1]
            assert re.fullmatch(r"\|(---:?\|)+", separator), separator
            assert separator.count("|") == len(header) + 1, separator
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip("|").split("|")]
                assert len(cells) == len(header), lines[i]
                rows.append(dict(zip(header, cells, strict=True)))
                i += 1
            found[heading] = rows
            continue
        i += 1
    return found


def test_smoke_run_prints_and_writes_well_formed_tables(tmp_path):
    out = tmp_path / "benchmarks.md"
    result = subprocess.run([sys.executable, "benchmarks/run.py", "--smoke", "--output",
                             str(out)], cwd=REPO, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    printed = tables(result.stdout)
    for section in SECTIONS:
        assert any(h.startswith(section) for h in printed), section
    generation = next(rows for h, rows in printed.items() if h.startswith("### Generation"))
    assert [row["sources"] for row in generation] == ["2"]
    row = generation[0]
    assert int(row["files"].replace(",", "")) > 20  # 2 sources x 10 objects, and shared files
    for column, cell in row.items():
        assert NUMBER.match(cell), (column, cell)
    window = next(rows for h, rows in printed.items() if h.startswith("### Window cost"))
    assert [r["table rows"] for r in window] == ["10,000"]
    assert window[0]["legacy rows scanned"] == "10,000"  # the legacy reads the whole table
    startup = {r["command"]: r for r in printed["### Start-up (whole processes)"]}
    assert set(startup) == {"tdgen --help", "generate-source --help"}
    imported = next(v for k, v in startup["tdgen --help"].items() if k.startswith("libraries"))
    for heavy in ("duckdb", "sqlglot", "tdclient", "dukpy", "trino_sql_validator"):
        assert heavy not in imported  # imported where used, never for --help
    local = next(rows for h, rows in printed.items() if h.startswith("### Local engine"))
    assert [r["code"] for r in local] == ["this checkout, cold (cache emptied)",
                                         "this checkout, warm (cache filled)",
                                         "this checkout, warm, a new --now each run"]
    floor = re.search(r"DuckDB's part of this checkout's run-local .*?: ([\d.]+) s of "
                      r"([\d.]+) s CPU for (\d+) `td>` statements", result.stdout)
    assert floor, "the local engine's DuckDB part is not printed"
    duckdb_s, whole_s, statements = floor.groups()
    assert 0 < float(duckdb_s) < float(whole_s) and int(statements) > 0
    targets = printed["### Targets"]
    assert {r["status"] for r in targets} <= {"met", "NOT met", "not measured"}
    written = out.read_text()
    assert "<!-- benchmarks:begin -->" in written and "<!-- benchmarks:end -->" in written
    assert "benchmarks/run.py --smoke" in written  # the command that produced it
    assert tables(written).keys() == printed.keys()
