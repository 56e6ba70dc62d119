"""``tdgen run-local``: scheduled runs of a source's generated workflow on the local engine.

A run is one session of ``<source>_ingest_inc.dig`` (or ``_hist`` with ``hist``) at a
simulated time: ``td>`` runs on DuckDB, ``td_load>`` on the fixture connector, failures are
injected where asked (``OBJECT@RUN`` fails every load attempt of OBJECT in run RUN;
``OBJECT@RUN#N`` only its first N attempts). The log and the tables persist in a DuckDB file
between runs and between invocations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import ConfigError, UsageError
from .interpreter import Interpreter, Session
from .operators import OperatorError

DEFAULT_DB = ".tdgen/local.duckdb"


@dataclass(frozen=True)
class Failure:
    obj: str
    run: int  # 1-based
    attempts: int | None = None  # None: every attempt of that run

    @classmethod
    def parse(cls, text: str) -> Failure:
        match = re.fullmatch(r"([\w.-]+)@(\d+)(?:#(\d+))?", text.strip())
        if not match:
            raise UsageError(f"--fail {text}: expected OBJECT@RUN or OBJECT@RUN#ATTEMPTS "
                             "(e.g. events@3)")
        return cls(match[1], int(match[2]), int(match[3]) if match[3] else None)


@dataclass
class Services:
    engine: object
    connector: object
    secrets: dict
    failures: list[Failure]
    run: int = 1
    now: datetime | None = None
    jobs: int = 0
    attempts: dict = field(default_factory=dict)

    def clock(self) -> datetime:
        return self.now

    def next_job_id(self) -> int:
        self.jobs += 1
        return 100000 + self.jobs

    def secret(self, key: str) -> str:
        return self.secrets.get(key, f"local-{key}")

    def fail_if_injected(self, op: str, ctx, params: dict) -> None:
        if op != "td_load>":
            return
        ds = params.get("datasource") if isinstance(params.get("datasource"), dict) else {}
        names = {str(ds.get("name")), str(ds.get("table_name")), str(params.get("table"))}
        for failure in self.failures:
            if failure.run == self.run and failure.obj in names:
                key = (failure, self.run)
                self.attempts[key] = self.attempts.get(key, 0) + 1
                if failure.attempts is None or self.attempts[key] <= failure.attempts:
                    raise OperatorError(f"TD job failed: injected failure of {failure.obj} in "
                                        f"run {self.run} (attempt {self.attempts[key]})")


@dataclass
class RunResult:
    number: int
    session_time: datetime
    success: bool
    error: str
    log: list[dict]  # this run's ingestion_log rows


@dataclass
class Simulation:
    source: str
    workflow: str
    runs: list[RunResult]
    engine: object
    database: str
    log_table: str

    def log(self) -> list[dict]:
        return self.engine.table_rows(self.database, self.log_table)


def run_local(root: Path, source: str, runs: int = 3, every: timedelta = timedelta(days=1),
              start: datetime | None = None, fixtures_dir: Path | None = None,
              failures: list[Failure] | None = None, hist: bool = False,
              db_path: Path | str | None = None, fresh: bool = False, seed: int = 7,
              progress: Callable[[RunResult], None] | None = None) -> Simulation:
    from ..project import load_project
    from ..render.plan import resolved_sources
    from . import fixtures as fx
    from .connector import FixtureConnector
    from .sqlengine import SqlEngine

    project = load_project(root)
    resolved = {s.name: s for s in resolved_sources(project)}
    if source not in resolved:
        raise ConfigError(f"no source named {source} in sources/ (known: "
                          f"{', '.join(sorted(resolved))})")
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    src = resolved[source]
    workflow = f"{source}_ingest_{'hist' if hist else 'inc'}.dig"
    if not (root / "workflows" / workflow).is_file():
        raise ConfigError(f"workflows/{workflow} does not exist (run tdgen generate"
                          f"{'; the source has no history' if hist else ''})")
    start = start or _default_start(runs, every)
    times = [start + every * k for k in range(runs)]
    engine = SqlEngine(_db(root, db_path, fresh))
    period = _period(src, times)
    fixtures = fx.build([src], period, times, seed=seed, folder=fixtures_dir)
    services = Services(engine, FixtureConnector(engine, fixtures), fx.local_secrets(src),
                        list(failures or []))
    settings = project.settings
    results = []
    for k, moment in enumerate(times, 1):
        services.run, services.now = k, moment
        session = Session(moment, session_id=k, attempt_id=1,
                          last_time=moment - every, next_time=moment + every)
        attempt = Interpreter(root / "workflows", services, session).run(workflow)
        log = [r for r in engine.table_rows(settings.databases.src, settings.log_table)
               if str(r.get("log_id", "")).startswith(f"{k}-1-")]
        result = RunResult(k, moment, attempt.success, attempt.error, log)
        results.append(result)
        if progress:
            progress(result)
    return Simulation(source, workflow, results, engine, settings.databases.src,
                      settings.log_table)


def _default_start(runs: int, every: timedelta) -> datetime:
    from datetime import UTC

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - every * (runs - 1)


def _db(root: Path, db_path, fresh: bool) -> str:
    if db_path == ":memory:":
        return ":memory:"
    path = Path(db_path) if db_path else root / DEFAULT_DB
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
    return str(path)


def _period(src, times: list[datetime]) -> tuple[datetime, datetime]:
    fmt = src.format
    starts = [times[0] - timedelta(days=30)]
    if fmt and src.spec.default_start_time:
        starts.append(fmt.parse(src.spec.default_start_time) - timedelta(days=2))
    if fmt and src.spec.history:
        starts.append(fmt.parse(src.spec.history.start) - timedelta(days=2))
    return min(starts), times[-1] + timedelta(days=2)
