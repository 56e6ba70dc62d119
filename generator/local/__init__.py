"""The local engine: runs generated workflows on this machine (DuckDB for `td>` SQL)."""
