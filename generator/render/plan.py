"""The plan of generated files: (path, content) for the whole project, nothing written."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import TemplateError
from ..spec.project import Project
from ..spec.resolved import ResolvedSource, resolve, skip_on_overtime

SHARED_SQL = (
    "ingestion_log_ddl", "log_ingestion_start", "log_ingestion_success", "log_ingestion_error",
    "log_ingestion_skipped", "log_workflow_error", "log_batch_start", "log_batch_success",
    "log_batch_error", "log_batch_skipped", "log_history_done", "log_runner_completion",
    "log_runner_error", "log_workflow_success", "session_failures",
)
SCHEMA_PATH = "schema/source.schema.json"
CREDENTIALS_EXAMPLE = "credentials_ingestion.example.json"
GENERATED_DIRS = ("workflows", "docs/sources", "schema")


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the project root, POSIX
    content: str  # without the header
    origin: str  # the spec or settings file it comes from


class Renderer:
    """Renders templates for one project with one environment (each template compiled once)."""

    def __init__(self, project: Project):
        from .env import make_env  # jinja2 is imported only where templates are rendered

        self.project = project
        self.env = make_env(project.root / "templates")
        self.base = {"settings": project.settings}

    def render(self, template: str, origin: str, **context) -> str:
        import jinja2

        try:
            return self.env.get_template(template).render(**self.base, **context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"templates/{exc.name or template}:{exc.lineno}:1: template "
                                f"syntax error: {exc.message}") from None
        except (jinja2.UndefinedError, ValueError, TypeError, KeyError) as exc:
            raise TemplateError(f"templates/{template}: failed to render for {origin}: "
                                f"{exc}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"templates/{exc.name}: template not found (needed for "
                                f"{origin})") from None


def resolved_sources(project: Project) -> list[ResolvedSource]:
    return [resolve(s.spec, project.format_of(s.spec)) for s in project.sources]


def plan(project: Project, step=None) -> list[GeneratedFile]:
    """Every generated file of the project, in a stable order; ``step(source)`` before each."""
    r = Renderer(project)
    sources = resolved_sources(project)
    files = _shared(r, project, sources)
    for src, source in zip(sources, project.sources):
        if step:
            step(src.name)
        files += _per_source(r, project, src, source.path)
    return sorted(files, key=lambda f: f.path)


def _shared(r: Renderer, project: Project, sources) -> list[GeneratedFile]:
    origin = "tdgen.yml"
    auth = [s for s in sources if s.spec.td_authentication_id is not None]
    runner = [s for s in sources if not s.spec.schedule]
    files = [
        GeneratedFile("workflows/config/database.yml",
                      r.render("config/database.yml.j2", origin, auth_sources=auth),
                      "tdgen.yml, sources/"),
        GeneratedFile("workflows/ingestion_runner.dig",
                      r.render("workflows/ingestion_runner.dig.j2", origin,
                               runner_sources=runner,
                               runner_schedule=skip_on_overtime(
                                   project.settings.runner.schedule)),
                      "tdgen.yml, sources/"),
        GeneratedFile(CREDENTIALS_EXAMPLE, credentials_example(sources), "sources/"),
        GeneratedFile(SCHEMA_PATH, source_schema(), "generator/spec/model.py"),
        GeneratedFile("docs/connectors.md", _connectors_doc(r), "generator/connectors/"),
    ]
    for name in SHARED_SQL:
        files.append(GeneratedFile(f"workflows/sql/{name}.sql",
                                   r.render(f"sql/{name}.sql.j2", origin), origin))
    return files


def _connectors_doc(r: Renderer) -> str:
    """docs/connectors.md: every catalog connector and the source of each of its facts."""
    from .. import catalog

    connectors = [catalog.CONNECTORS[name] for name in sorted(catalog.CONNECTORS)]
    return r.render("docs/connectors.md.j2", "generator/connectors/", connectors=connectors)


def _per_source(r: Renderer, project: Project, s: ResolvedSource, origin: str
                ) -> list[GeneratedFile]:
    fmt = s.format or project.formats.get("millis_z") or next(iter(project.formats.values()))
    ctx = {"s": s, "fmt": fmt}
    has_inc = any(load.incremental for load in s.loads)
    has_full = any(not load.incremental for load in s.loads)
    name = s.name

    def out(path: str, template: str, **extra) -> GeneratedFile:
        return GeneratedFile(path, r.render(template, origin, **ctx, **extra), origin)

    files = [
        out(f"workflows/{s.inc_workflow}.dig", "workflows/ingest_inc.dig.j2",
            has_inc=has_inc, has_full=has_full),
        out(f"workflows/sql/{name}_claim.sql", "sql/claim.sql.j2"),
        out(f"workflows/sql/{name}_reconcile.sql", "sql/reconcile.sql.j2"),
        out(f"workflows/config/{name}_datasources.yml", "config/datasources.yml.j2"),
        out(f"docs/sources/{name}.md", "docs/source.md.j2", has_inc=has_inc,
            has_full=has_full, project_name=project.settings.project),
    ]
    for load in s.loads:
        files.append(out(f"workflows/{load.workflow}.dig", "workflows/ingest_inc_object.dig.j2",
                         load=load))
    for load in s.history:
        files.append(out(f"workflows/{load.workflow}.dig",
                         "workflows/ingest_hist_object.dig.j2", load=load))
    template = f"load/{s.connector.load_template}"
    for load in s.loads:
        window = _window(False, s.spec.watermark)
        files.append(out(f"workflows/config/{load.config_file}", template, load=load,
                         window=window))
    for load in s.history:
        files.append(out(f"workflows/config/{load.config_file}", template, load=load,
                         window=_window(True, s.spec.watermark)))
    if has_inc:
        if s.spec.watermark == "log":
            files.append(out(f"workflows/sql/{name}_window_from_log.sql",
                             "sql/window_from_log.sql.j2"))
        files.append(out(f"workflows/sql/{name}_window_from_table.sql",
                         "sql/window_from_table.sql.j2"))
        files.append(out(f"workflows/sql/{name}_window_default.sql",
                         "sql/window_default.sql.j2"))
    if has_full:
        files.append(out(f"workflows/sql/{name}_window_full.sql", "sql/window_full.sql.j2"))
    if s.history:
        files.append(out(f"workflows/{s.hist_workflow}.dig", "workflows/ingest_hist.dig.j2"))
        files.append(out(f"workflows/sql/{name}_hist_pending.sql", "sql/hist_pending.sql.j2"))
        files.append(out(f"workflows/sql/{name}_batch_claim.sql", "sql/batch_claim.sql.j2"))
    return files


def _window(historical: bool, watermark: str) -> dict[str, str]:
    """The ``${...}`` expressions a load config takes its window from."""
    if historical:
        return {"start": "${batch[0]}", "end": "${batch[1]}", "connector_start": "${batch[2]}",
                "connector_end": "${batch[3]}", "tag": "${batch[4]}", "days": "${batch[5]}",
                "origin": "the month batch"}
    origin = "the window query" if watermark == "table" else "the watermark in ingestion_log"
    return {"start": "${td.last_results.start_time}", "end": "${td.last_results.end_time}",
            "connector_start": "${td.last_results.connector_start_time}",
            "connector_end": "${td.last_results.connector_end_time}",
            "tag": "${td.last_results.end_unixtime}",
            "days": "${td.last_results.fetch_days}", "origin": origin}


def credentials_example(sources: list[ResolvedSource]) -> str:
    """Every secret key the project references, with a placeholder value."""
    values = {}
    for s in sources:
        for key, param in s.secrets.items():
            values[key] = f"<{param} of source {s.name}>"
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


def source_schema() -> str:
    from ..spec.model import SourceSpec

    schema = SourceSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tdgen source spec (sources/<name>.yml)"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
