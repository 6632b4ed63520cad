"""The arq path on a real Redis: workers judge what the API queued, a duplicate job writes
nothing twice, and a worker killed mid-job loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from arq import ArqRedis
from arq.worker import Worker
from sqlalchemy import func, select

from store.models import SessionRow, VerdictRow
from store.settings import Settings
from tests.conftest import Api, serve_api
from tests.fakellm import Delay, FakeLlm
from tests.sessions import session_doc
from workers.arq_worker import WorkerSettings
from workers.sweep import sweep

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def redis() -> AsyncIterator[ArqRedis]:
    """A Redis database of the test's own, emptied before and after."""
    pool = ArqRedis.from_url(REDIS_URL)
    await pool.flushdb()
    yield pool
    await pool.flushdb()
    await pool.aclose()


def _worker(settings: Settings, redis: ArqRedis, **overrides: object) -> Worker:
    options = {
        "functions": WorkerSettings.functions,
        "on_startup": WorkerSettings.on_startup,
        "on_shutdown": WorkerSettings.on_shutdown,
        "keep_result": 0,
        "burst": True,
        "poll_delay": 0.05,
        "ctx": {"settings": settings},
    } | overrides
    return Worker(redis_pool=redis, **options)  # type: ignore[arg-type]


async def _verdicts(api: Api, session_id: str) -> int:
    async with api.state.sessions() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(VerdictRow)
            .join(SessionRow, SessionRow.pk == VerdictRow.session_pk)
            .where(SessionRow.session_id == session_id)
        )
    return int(count or 0)


async def test_worker_judges_what_the_api_queued_once(
    pg_url: str, fake_llm: FakeLlm, redis: ArqRedis
) -> None:
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL, llm_base_url=fake_llm.url)
    async for api in serve_api(pg_url, redis_url=REDIS_URL, llm_base_url=fake_llm.url):
        key = await api.new_key("ingest", "read")
        doc = session_doc("arq-1")
        r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
        assert r.status_code == 201
        queued = (await api.client.get("/v1/sessions/arq-1", headers=api.auth(key))).json()
        assert queued["judge_status"] == "queued"
        async with api.state.sessions() as db:
            pk = await db.scalar(select(SessionRow.pk).where(SessionRow.session_id == "arq-1"))
        assert pk is not None
        # the same job again is refused by its id; another generation is a no-op when judged
        assert not await api.state.queue.enqueue_judge(pk, "outcome/v1")
        worker = _worker(settings, redis)
        await worker.main()
        await worker.close()
        assert await api.state.queue.enqueue_judge(pk, "outcome/v1", generation=1)
        worker = _worker(settings, redis)
        await worker.main()
        await worker.close()
        got = (await api.client.get("/v1/sessions/arq-1", headers=api.auth(key))).json()
        assert got["judge_status"] == "judged"
        assert await _verdicts(api, "arq-1") == 1
        assert len(fake_llm.requests) == 1


async def test_a_worker_killed_mid_job_loses_nothing(
    pg_url: str, fake_llm: FakeLlm, redis: ArqRedis
) -> None:
    fake_llm.script([Delay(60)])  # the first worker's call hangs until it is killed
    env = os.environ | {
        "SESSION_JUDGE_DATABASE_URL": pg_url,
        "SESSION_JUDGE_REDIS_URL": REDIS_URL,
        "SESSION_JUDGE_LLM_BASE_URL": fake_llm.url,
    }
    settings = Settings(
        database_url=pg_url, redis_url=REDIS_URL, llm_base_url=fake_llm.url, sweep_after_seconds=0
    )
    async for api in serve_api(pg_url, redis_url=REDIS_URL, llm_base_url=fake_llm.url):
        key = await api.new_key("ingest", "read")
        r = await api.client.post("/v1/sessions", json=session_doc("kill-1"), headers=api.auth(key))
        assert r.status_code == 201
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not fake_llm.requests:
                assert time.monotonic() < deadline, "the worker never called the LLM"
                await asyncio.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        got = (await api.client.get("/v1/sessions/kill-1", headers=api.auth(key))).json()
        assert got["judge_status"] == "queued"
        assert got["verdicts"] == []
        # a minute later the sweep finds it and a new worker judges it
        api.state.jobs.settings = settings
        result = await sweep(api.state.jobs)
        assert result["sessions"] >= 1
        # (the dead job's arq lock outlives it, so the worker runs until the new job is done)
        worker = _worker(settings, redis, burst=False)
        running = asyncio.create_task(worker.main())
        try:
            deadline = time.monotonic() + 30
            while got["judge_status"] != "judged":
                assert time.monotonic() < deadline, f"not judged: {got['judge_status']}"
                await asyncio.sleep(0.1)
                got = (await api.client.get("/v1/sessions/kill-1", headers=api.auth(key))).json()
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            await worker.close()
        assert await _verdicts(api, "kill-1") == 1
