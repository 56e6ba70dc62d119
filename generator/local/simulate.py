"""``tdgen run-local``: scheduled runs of a source's generated workflow on the local engine.

A run is one session of ``<source>_ingest_inc.dig`` (or ``_hist`` with ``hist``) at a simulated
time: ``td>`` runs on DuckDB, ``td_load>`` on the fixture connector, each object's workflow as
its own attempt (``require>``). Faults are injected where reality has them (``faults.py``): any
task may fail (once, N times, or on every attempt) and a worker may die right after a task;
two sessions may overlap, interleaved task by task. The log and the tables persist in a DuckDB
file between runs and between invocations; session ids continue from the log, so every run's
log ids are new.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..digdag.reader import ReadCache
from ..errors import ConfigError, UsageError
from .faults import Fault, Turnstile, validate_faults
from .interpreter import Interpreter, Session
from .operators import OperatorError

DEFAULT_DB = ".tdgen/local.duckdb"
Failure = Fault  # the name earlier releases used


@dataclass
class Services:
    engine: object
    connector: object
    secrets: dict
    faults: list[Fault]
    jobs: int = 0
    sessions: int = 0
    counts: dict = field(default_factory=dict)  # (fault, run) -> attempts seen
    attempts: dict = field(default_factory=dict)  # (workflow, session time) -> success
    runs_of: dict = field(default_factory=dict)  # session id -> the run it belongs to
    turnstile: Turnstile | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # the workflow files, parsed once for every run (they do not change during run-local)
    reads: ReadCache = field(default_factory=ReadCache)

    def next_job_id(self) -> int:
        with self.lock:
            self.jobs += 1
            return 100000 + self.jobs

    def new_session(self, parent: Session) -> Session:
        """A session of another workflow at the same time (require>), with new ids. Ids are
        handed out in turn when two runs overlap, not in the order their threads happen to
        ask: their claims tie on time and the ids decide, so a simulation that numbered them
        by the threads' race would answer differently from one invocation to the next."""
        self.enter(parent)
        try:
            with self.lock:
                self.sessions += 1
                number = self.sessions
                self.runs_of[number] = parent.run
        finally:
            self.leave(parent)
        return Session(parent.time, number, number, parent.scheduled, parent.last_time,
                       parent.next_time, parent.run, parent.clock)

    def secret(self, key: str) -> str:
        return self.secrets.get(key, f"local-{key}")

    def enter(self, session: Session) -> None:
        if self.turnstile:
            self.turnstile.enter(session.run)

    def leave(self, session: Session) -> None:
        if self.turnstile:
            self.turnstile.leave(session.run)

    def before_task(self, op: str, ctx, params: dict, interpreter) -> None:
        for fault in self._matching(ctx, params, interpreter.session, kill=False):
            key = (fault, interpreter.session.run)
            self.counts[key] = self.counts.get(key, 0) + 1
            if fault.attempts is None or self.counts[key] <= fault.attempts:
                raise OperatorError(f"TD job failed: injected failure of {fault.text} "
                                    f"(attempt {self.counts[key]})")

    def after_task(self, op: str, ctx, params: dict, interpreter) -> None:
        from .interpreter import Killed

        for fault in self._matching(ctx, params, interpreter.session, kill=True):
            raise Killed(f"worker lost after {fault.text}")

    def _matching(self, ctx, params, session: Session, kill: bool):
        task = task_of(ctx.name)
        ds = params.get("datasource") if isinstance(params.get("datasource"), dict) else {}
        names = {str(ds.get("name")), str(ds.get("table_name"))}
        return [f for f in self.faults if f.kill == kill and f.run == session.run
                and f.obj in names and f.task == task]


def task_of(full_name: str) -> str:
    """``+wf+load^sub+load_with_retry+td_load`` -> ``td_load``."""
    last = full_name.rsplit("+", 1)[-1]
    return last.split("^", 1)[0]


@dataclass
class RunResult:
    number: int
    session_time: datetime
    success: bool
    error: str
    log: list[dict]  # this run's ingestion_log rows
    killed: bool = False


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
              failures: list[Fault] | None = None, hist: bool = False,
              db_path: Path | str | None = None, fresh: bool = False, seed: int = 7,
              progress: Callable[[RunResult], None] | None = None,
              overlap: int | None = None,
              echo: Callable[[str], None] | None = None,
              connector: Callable | None = None) -> Simulation:
    """``connector(engine, fixtures)`` replaces the fixture connector (a test's own model of
    a real connector)."""
    from ..spec.project import load_project
    from ..render.plan import resolved_sources
    from . import fixtures as fx
    from .connector import FixtureConnector
    from ..cache import CACHE
    from .sql.engine import SqlEngine

    project = load_project(root)
    project.require([source], "SOURCE")
    resolved = {s.name: s for s in resolved_sources(project)}
    if runs < 1:
        raise UsageError("--runs must be at least 1")
    if overlap is not None and not 1 <= overlap < runs:
        raise UsageError(f"--overlap {overlap}: expected a run from 1 to {runs - 1} (run K "
                         "overlaps run K+1)")
    if fixtures_dir is not None and not Path(fixtures_dir).is_dir():
        raise UsageError(f"--fixtures {fixtures_dir}: no such folder")
    src = resolved[source]
    workflow = f"{source}_ingest_{'hist' if hist else 'inc'}.dig"
    if not (root / "workflows" / workflow).is_file():
        raise ConfigError(f"workflows/{workflow} does not exist (run tdgen generate"
                          f"{'; the source has no history' if hist else ''})")
    faults = list(failures or [])
    validate_faults(faults, root / "workflows", src, hist, runs)
    start = start or _default_start(runs, every)
    times = [start + every * k for k in range(runs)]
    engine = SqlEngine(_db(root, db_path, fresh))
    engine.use_cache(root / CACHE)
    period = _period(src, times)
    fixtures = fx.build([src], period, times, seed=seed, folder=fixtures_dir)
    services = Services(engine, (connector or FixtureConnector)(engine, fixtures),
                        fx.local_secrets(src), faults)
    settings = project.settings
    db, table = settings.databases.src, settings.log_table
    services.sessions = _last_session(engine, db, table)
    sim = Simulation(source, workflow, [], engine, db, table)
    run = _Runner(root / "workflows", services, workflow, every, sim, progress, echo)
    k = 1
    try:
        while k <= runs:
            if overlap == k:
                run.overlapping(k, times[k - 1], times[k])
                k += 2
            else:
                run.one(k, times[k - 1])
                k += 1
    finally:
        engine.save_cache()
    return sim


@dataclass
class _Runner:
    workflows: Path
    services: Services
    workflow: str
    every: timedelta
    sim: Simulation
    progress: Callable | None
    echo: Callable | None = None

    def one(self, k: int, moment: datetime) -> None:
        self._record(k, moment, self._attempt(k, moment))

    def overlapping(self, k: int, first: datetime, second: datetime) -> None:
        """Runs k and k+1 at once, interleaved task by task: run k's first task, then run
        k+1's, and so on (a session that finished lets the other go on alone). Run k is still
        running when run k+1 starts, so the queries of both see run k+1's time as now."""
        self.services.turnstile = Turnstile([k, k + 1])
        attempts: dict = {}

        def session(n: int, moment: datetime) -> None:
            try:
                attempts[n] = self._attempt(n, moment, second)
            finally:
                self.services.turnstile.done(n)

        threads = [threading.Thread(target=session, args=(n, m), daemon=True)
                   for n, m in ((k, first), (k + 1, second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.services.turnstile = None
        for n, moment in ((k, first), (k + 1, second)):
            self._record(n, moment, attempts[n])

    def _attempt(self, k: int, moment: datetime, clock: datetime | None = None):
        base = Session(moment, 0, 0, last_time=moment - self.every,
                       next_time=moment + self.every, run=k, clock=clock)
        session = self.services.new_session(base)
        return Interpreter(self.workflows, self.services, session,
                           echo=self.echo).run(self.workflow)

    def _run_of(self, row: dict) -> int | None:
        session = str(row.get("log_id") or "").split("-", 1)[0]
        return self.services.runs_of.get(int(session)) if session.isdigit() else None

    def _record(self, k, moment, attempt) -> None:
        """A run's own rows: those its sessions logged (session ids are new in each
        invocation, so older rows of the database never mix in)."""
        sim = self.sim
        logged = sim.log() if sim.engine.table_exists(sim.database, sim.log_table) else []
        rows = [r for r in logged if self._run_of(r) == k]
        result = RunResult(k, moment, attempt.success, attempt.error, rows, attempt.killed)
        self.sim.runs.append(result)
        if self.progress:
            self.progress(result)


def _last_session(engine, database: str, table: str) -> int:
    """The largest session id in the log's log ids (``<session>-<attempt>-...``), so a run
    against an existing database never reuses one."""
    if not engine.table_exists(database, table):
        return 0
    ids = [str(r.get("log_id") or "").split("-", 1)[0] for r in
           engine.table_rows(database, table)]
    return max((int(i) for i in ids if i.isdigit()), default=0)


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
