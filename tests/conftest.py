"""Shared fixtures: a database of our own per test run (Postgres and SQLite, built by the
Alembic migrations), the app served through its ASGI interface, and one fresh project
with its keys per test, so tests never see each other's data."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.state import AppState
from store.engine import create_engine, session_factory
from store.keys import create_key
from store.migrate import upgrade_async
from store.settings import Settings

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

pytest_plugins = ["tests.fakellm"]


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    name = f"sj_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_HOST}/{name}"
    try:
        await upgrade_async(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    await upgrade_async(url)
    return url


@dataclass
class Api:
    """A client of the app on one backend, and a way to mint keys for fresh projects."""

    client: httpx.AsyncClient
    settings: Settings
    new_key: Callable[..., Awaitable[str]]
    app: FastAPI

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.sj
        return state

    async def settle(self) -> None:
        """Wait until the in-process jobs queued so far have run."""
        await self.state.queue.drain()  # type: ignore[attr-defined]


async def serve_api(url: str, **overrides: object) -> AsyncIterator[Api]:
    """The app on ``url`` with settings ``overrides``, through its ASGI interface."""
    settings = Settings(database_url=url, **overrides)  # type: ignore[arg-type]
    app = create_app(settings)
    engine = create_engine(settings)
    factory = session_factory(engine)

    async def new_key(*scopes: str, project: str | None = None, name: str = "tester") -> str:
        async with factory() as db:
            secret = await create_key(
                db, project or f"p-{uuid.uuid4().hex[:8]}", name, list(scopes) or ["ingest", "read"]
            )
            await db.commit()
            return secret

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sj.test") as client:
            yield Api(client, settings, new_key, app)
    await engine.dispose()


@pytest.fixture(scope="session")
async def pg_api(pg_url: str) -> AsyncIterator[Api]:
    async for api in serve_api(pg_url):
        yield api


@pytest.fixture(scope="session")
async def sqlite_api(sqlite_url: str) -> AsyncIterator[Api]:
    async for api in serve_api(sqlite_url):
        yield api


@pytest.fixture(params=["postgres", "sqlite"])
def api(request: pytest.FixtureRequest) -> Api:
    """The app on each backend in turn: the same behaviour is required of both."""
    fixture: Api = request.getfixturevalue(
        f"{'pg' if request.param == 'postgres' else 'sqlite'}_api"
    )
    return fixture


def quiet_backends(**overrides: object) -> tuple[Any, Any, Any]:
    """Fixtures ``quiet_pg``, ``quiet_sqlite`` (apps of a test module's own, with settings
    ``overrides``: say, a background loop that stays idle, so the tests decide when its
    job runs) and ``api`` (each in turn); assign them to those names in the module."""

    @pytest.fixture(scope="module")
    async def quiet_pg(pg_url: str) -> AsyncIterator[Api]:
        async for api in serve_api(pg_url, **overrides):
            yield api

    @pytest.fixture(scope="module")
    async def quiet_sqlite(sqlite_url: str) -> AsyncIterator[Api]:
        async for api in serve_api(sqlite_url, **overrides):
            yield api

    @pytest.fixture(params=["postgres", "sqlite"])
    def api(request: pytest.FixtureRequest) -> Api:
        quiet: Api = request.getfixturevalue(
            f"quiet_{'pg' if request.param == 'postgres' else 'sqlite'}"
        )
        return quiet

    return quiet_pg, quiet_sqlite, api


@pytest.fixture
async def key(api: Api) -> str:
    """A key with ingest and read scopes for a project of this test's own."""
    return await api.new_key("ingest", "read")
