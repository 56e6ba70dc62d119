"""Deploy and operate on Treasure Data: ``tdgen push``, ``tdgen secrets``, ``tdgen status``.

``config`` reads the API key and endpoints, ``archive`` builds the project archive exactly as
``digdag push`` does, ``workflow_api`` speaks TD Workflow's HTTP API, ``ingestion_log`` reads
the log through td-client (or, for ``status --local``, from the local engine's DuckDB file),
and ``push``, ``secrets`` and ``status`` are the library behind the three commands. td-client
and duckdb are imported only where a query runs, so ``tdgen --help`` stays fast.
"""
