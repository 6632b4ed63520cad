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
