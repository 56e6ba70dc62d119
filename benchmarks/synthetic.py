"""Synthetic repositories for the benchmarks: N valid sources of 10 objects each.

A repository is a copy of ``tdgen.yml`` and ``templates/`` with ``sources/*.yml`` written here.
The connectors rotate over the catalog connectors whose object list is open (a warehouse table,
a database table, a file prefix), so every source can have 10 distinct objects with no
"unknown object" warning: Klaviyo, Zendesk, Shopify v2 and OneTrust list fewer than 10 objects
in the catalog (6, 6, 2, 2). The kinds of load vary: incremental with history (BigQuery,
MySQL), incremental without history, one with ``watermark: table`` (PostgreSQL), full loads
that replace or truncate (SFTP, S3).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

OBJECTS = 10
KINDS = ("bigquery_v2", "mysql", "postgresql", "sftp_v2", "s3_v2")
PARSER = """\
      parser:
        type: csv
        charset: UTF-8
        newline: LF
        delimiter: ","
        skip_header_lines: 1
        columns:
          - {name: id, type: string}
          - {name: updated_at, type: string}
          - {name: amount, type: double}
"""


def source_name(i: int) -> str:
    return f"s{i:04d}_{KINDS[i % len(KINDS)].split('_')[0]}"


def auth_id(i: int) -> int:
    return 400000 + 7 * i + 3  # never a placeholder (not repeated digits, not < 100)


def spec_text(i: int) -> str:
    """The spec of the i-th synthetic source (valid, no warnings)."""
    kind = KINDS[i % len(KINDS)]
    name = source_name(i)
    objects = [f"t{j:02d}" for j in range(OBJECTS)]
    lines = [f"# synthetic benchmark source {i} ({kind})", f"source: {name}",
             f"connector: {kind}", f"description: Synthetic {kind} source number {i}."]
    if kind == "bigquery_v2":
        lines += [f"td_authentication_id: {auth_id(i)}", "parallel: 3",
                  'default_start_time: "2025-01-01 00:00:00.000"',
                  "secrets:", f"  project_id: {name}_project_id",
                  "params:", "  dataset: sales", "  export_to_gcs: false", "objects:"]
        for j, obj in enumerate(objects):
            lines.append(f"  - name: {obj}")
            lines.append(f"    table: {name}_{obj}")
            if j < OBJECTS - 2:  # the last two are full loads
                lines.append("    incremental: {table_field: updated_at, "
                             "connector_field: updated_at}")
        lines += ["history:", '  start: "2023-01-01 00:00:00.000"', "  parallel: true"]
    elif kind in ("mysql", "postgresql"):
        lines += ["parallel: 5", 'default_start_time: "2025-06-01 00:00:00.000"',
                  "secrets:", f"  password: {name}_password",
                  "params:", f"  host: db{i}.example.internal", "  user: loader",
                  f"  database: app{i}"]
        if kind == "postgresql":
            lines += ["  schema: public", "lag: 15m"]
            if i % 2:
                lines += ["watermark: table", "table_field_type: format"]
        lines.append("objects:")
        for j, obj in enumerate(objects):
            lines.append(f"  - name: {obj}")
            lines.append(f"    table: {name}_{obj}")
            field = "created_at" if j % 3 == 0 else "updated_at"
            lines.append(f"    incremental: {{table_field: {field}, connector_field: {field}}}")
        if kind == "mysql":
            lines += ["history:", '  start: "2024-01-01 00:00:00.000"', "  months_per_run: 6"]
    else:  # sftp_v2, s3_v2: full loads from files
        if kind == "sftp_v2":
            lines += ["secrets:", f"  host: {name}_host", f"  user: {name}_user",
                      f"  password: {name}_password", "params:", "  port: 22",
                      "  auth_method: password", "  user_directory_is_root: true"]
        else:
            lines += [f"td_authentication_id: {auth_id(i)}", "params:",
                      f"  bucket: bucket-{i}", "  region: us-east-1"]
        lines += ["parallel: 2", "objects:"]
        for obj in objects:
            lines.append(f"  - name: {obj}")
            lines.append(f"    table: {name}_{obj}")
            if kind == "s3_v2":
                lines.append("    mode: truncate")
            lines.append("    params:")
            lines.append(f"      path_prefix: exports/{name}/{obj}/")
            lines += PARSER.rstrip("\n").split("\n")
    return "\n".join(lines) + "\n"


def make_repository(dest: Path, n: int, repo: Path) -> Path:
    """A repository at ``dest`` with ``n`` synthetic sources and no generated file yet."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(repo / "tdgen.yml", dest / "tdgen.yml")
    shutil.copytree(repo / "templates", dest / "templates")
    sources = dest / "sources"
    sources.mkdir()
    for i in range(n):
        (sources / f"{source_name(i)}.yml").write_text(spec_text(i), encoding="utf-8")
    return dest


def clear_generated(root: Path) -> None:
    """Remove every generated file, so the next ``tdgen generate`` is a full render."""
    for part in ("workflows", "docs", "schema"):
        if (root / part).exists():
            shutil.rmtree(root / part)
    example = root / "credentials_ingestion.example.json"
    if example.exists():
        example.unlink()


def change_one(root: Path, edit: int) -> None:
    """Edit one spec (the host of source 1, a MySQL source), differently for each ``edit``."""
    path = root / "sources" / f"{source_name(1)}.yml"
    text = re.sub(r"host: db1(-v\d+)?\.", f"host: db1-v{edit}.", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
