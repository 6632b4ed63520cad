"""The ``session-judge`` command line (typer)."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Annotated, Literal

import typer
import uvicorn
from rich.console import Console

from store.engine import create_engine, session_factory
from store.keys import SCOPES, create_key
from store.migrate import upgrade
from store.settings import Settings

app = typer.Typer(
    help="session-judge: how your agent's sessions end, and why.", no_args_is_help=True
)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys, name="keys")
alerts = typer.Typer(help="Burn-rate alerts.", no_args_is_help=True)
app.add_typer(alerts, name="alerts")
console = Console()


def _check_slo_file(settings: Settings) -> None:
    """Refuse to start on a bad SLO file, saying why, before anything else runs."""
    from rules.slo import SloConfigError
    from workers.alerts import load_slo

    try:
        load_slo(settings.slo_file)
    except SloConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option("--migrate", help="Migrate the database first.")] = False,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Run the HTTP API."""
    settings = Settings()
    _check_slo_file(settings)
    if migrate:
        upgrade(settings.database_url)
    _freeze_startup_objects()
    uvicorn.run(
        "api.main:app", host=host, port=port, workers=workers, log_level="info", access_log=False
    )


def _freeze_startup_objects() -> None:
    """Modules and models loaded at start-up live as long as the process: frozen out of the
    cyclic GC, a full collection under ingest load scans only what requests made (it cut
    the OTLP benchmark's GC time by two thirds)."""
    import api.main  # noqa: F401  (the app uvicorn serves, imported once, here)

    gc.freeze()


@app.command("migrate")
def migrate_command() -> None:
    """Apply the database migrations (Alembic upgrade head)."""
    settings = Settings()
    upgrade(settings.database_url)
    console.print(f"migrated {settings.database_url.split('@')[-1]}")


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Exit once the queue is empty.")] = False,
) -> None:
    """Run an arq judge worker on SESSION_JUDGE_REDIS_URL (jobs and the minute sweep)."""
    from arq.worker import run_worker

    from workers.arq_worker import WorkerSettings, redis_settings

    settings = Settings()
    _check_slo_file(settings)
    run_worker(
        WorkerSettings,  # type: ignore[arg-type]
        redis_settings=redis_settings(settings),
        max_jobs=settings.judge_concurrency,
        burst=burst,
    )


@app.command()
def reprocess(
    prompt: Annotated[str, typer.Option(help="Prompt version, e.g. outcome/v2.")],
    project: Annotated[str, typer.Option(help="Project name.")],
    time_from: Annotated[str | None, typer.Option("--from", help="RFC 3339.")] = None,
    time_to: Annotated[str | None, typer.Option("--to", help="RFC 3339.")] = None,
    source: Annotated[str | None, typer.Option()] = None,
    model: Annotated[str | None, typer.Option()] = None,
    end_reason: Annotated[str | None, typer.Option()] = None,
    stuck: Annotated[bool | None, typer.Option()] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    force: Annotated[bool, typer.Option("--force", help="Judge identical inputs again.")] = False,
) -> None:
    """Judge the matching sessions again with a prompt version, with a progress bar."""
    from api.reprocess import reprocess as run

    candidates = {"from": time_from, "to": time_to, "source": source, "model": model,
                  "end_reason": end_reason, "stuck": stuck}  # fmt: skip
    filter_doc = {k: v for k, v in candidates.items() if v is not None}
    try:
        asyncio.run(run(Settings(), project, prompt, filter_doc, dry_run=dry_run, force=force))
    except (KeyError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@keys.command("create")
def keys_create(
    project: Annotated[str, typer.Option(help="Project name (created if new).")],
    scope: Annotated[list[str], typer.Option(help=f"One of {', '.join(SCOPES)}; repeatable.")],
    name: Annotated[
        str, typer.Option(help="A name for the key (the reviewer's name).")
    ] = "default",
) -> None:
    """Create an API key; the key is the last line of the output, shown only once."""

    async def run() -> str:
        engine = create_engine(Settings())
        try:
            async with session_factory(engine)() as db:
                secret = await create_key(db, project, name, scope)
                await db.commit()
                return secret
        finally:
            await engine.dispose()

    try:
        secret = asyncio.run(run())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scope") from exc
    console.print(f"created key {name!r} for project {project!r} with scopes {sorted(set(scope))}")
    print(secret)


@alerts.command("evaluate")
def alerts_evaluate(
    project: Annotated[str | None, typer.Option(help="Only this project (name).")] = None,
) -> None:
    """Evaluate every SLO now, send the due webhooks, and print what fired or resolved."""
    from api.alerts_cli import evaluate_now

    try:
        asyncio.run(evaluate_now(Settings(), project, console))
    except ValueError as exc:  # includes an invalid SLO file
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


ImportFormat = Literal[
    "auto", "kilo", "cline", "roo", "cline-sdk", "openhands", "swe-agent", "mini-swe-agent",
    "openai-messages", "canonical",
]  # fmt: skip


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Files or folders.")],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="auto: from the content.")] = "auto",
    url: Annotated[
        str | None, typer.Option(help="A running service, e.g. http://127.0.0.1:8000")
    ] = None,
    key: Annotated[
        str | None, typer.Option(envvar="SESSION_JUDGE_KEY", help="An ingest key.")
    ] = None,
    direct: Annotated[
        bool, typer.Option("--direct", help="Write into the database instead.")
    ] = False,
    project: Annotated[str | None, typer.Option(help="The project, with --direct.")] = None,
) -> None:
    """Import sessions from disk; exits 1 when any session was rejected."""
    from api.importer import import_from_cli

    code = import_from_cli(
        paths, fmt, url=url, key=key, project=project, direct=direct, console=console
    )
    raise typer.Exit(code)


if __name__ == "__main__":
    app()
