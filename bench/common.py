"""Shared plumbing of the benchmarks: a scratch Postgres database, a key, the service in
its own uvicorn process, and percentile printing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.engine import create_engine, session_factory  # noqa: E402
from store.keys import create_key  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.settings import Settings  # noqa: E402
from tests.server import free_port  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new Postgres database for one benchmark run, dropped afterwards."""
    name = f"sj_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def new_key(url: str, scopes: Sequence[str] = ("ingest", "read")) -> str:
    async def run() -> str:
        engine = create_engine(Settings(database_url=url))
        async with session_factory(engine)() as db:
            secret = await create_key(db, f"bench-{uuid.uuid4().hex[:6]}", "bench", list(scopes))
            await db.commit()
        await engine.dispose()
        return secret

    return asyncio.run(run())


@contextmanager
def service(url: str, **env: str) -> Iterator[str]:
    """The service in one uvicorn process of its own, as it runs in production."""
    port = free_port()
    environ = os.environ | {"SESSION_JUDGE_DATABASE_URL": url} | env
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/session-judge"), "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(
                f"service did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
