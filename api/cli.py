"""The ``session-judge`` command line (typer)."""

from __future__ import annotations

import asyncio
from typing import Annotated

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
console = Console()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option("--migrate", help="Migrate the database first.")] = False,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Run the HTTP API."""
    settings = Settings()
    if migrate:
        upgrade(settings.database_url)
    uvicorn.run(
        "api.main:app", host=host, port=port, workers=workers, log_level="info", access_log=False
    )


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


if __name__ == "__main__":
    app()
