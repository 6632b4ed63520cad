"""Enqueueing jobs: arq on Redis when configured, else an in-process runner.

Either way the database row is the truth: a job that could not be enqueued leaves its
session ``pending`` and the sweep enqueues it again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from arq import ArqRedis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def judge_job_id(session_pk: int, prompt: str, run_id: int | None, generation: int) -> str:
    """Duplicates of one generation are refused by arq; the sweep starts a new generation
    for work whose job vanished (a killed worker), and the job itself is idempotent."""
    return f"judge:{session_pk}:{prompt}:{run_id or 'auto'}:{generation}"


class JobQueue(Protocol):
    async def enqueue_judge(
        self,
        session_pk: int,
        prompt: str,
        run_id: int | None = None,
        *,
        generation: int = 0,
        wait: bool = False,
    ) -> bool:
        """Queue a judgement; False when it could not be queued now (or is already)."""

    async def enqueue_run(self, run_id: int) -> bool: ...

    async def close(self) -> None: ...


class ArqQueue:
    """Jobs on Redis for ``session-judge worker`` processes; ids make duplicates no-ops."""

    def __init__(self, redis: ArqRedis) -> None:
        self.redis = redis

    async def _enqueue(self, function: str, *args: object, job_id: str) -> bool:
        try:
            job = await self.redis.enqueue_job(function, *args, _job_id=job_id)
        except (RedisError, OSError) as exc:
            log.warning("could not enqueue %s: %s (the sweep will retry)", job_id, exc)
            return False
        return job is not None

    async def enqueue_judge(
        self,
        session_pk: int,
        prompt: str,
        run_id: int | None = None,
        *,
        generation: int = 0,
        wait: bool = False,
    ) -> bool:
        job_id = judge_job_id(session_pk, prompt, run_id, generation)
        return await self._enqueue("judge_session", session_pk, prompt, run_id, job_id=job_id)

    async def enqueue_run(self, run_id: int) -> bool:
        return await self._enqueue("start_run", run_id, job_id=f"run:{run_id}")

    async def close(self) -> None:
        await self.redis.aclose()


Job = Callable[[], Awaitable[object]]


class InProcessQueue:
    """A bounded queue drained by ``concurrency`` tasks inside this process.

    Used when no Redis is configured. Jobs lost with the process (a crash, a restart)
    are found again by the sweep, because their sessions are still pending or queued.
    """

    def __init__(
        self,
        judge: Callable[[int, str, int | None], Awaitable[object]],
        start_run: Callable[[int], Awaitable[object]],
        concurrency: int,
        capacity: int = 10_000,
    ) -> None:
        self._judge = judge
        self._start_run = start_run
        self._queue: asyncio.Queue[tuple[str, Job]] = asyncio.Queue(capacity)
        self._pending: set[str] = set()
        self._workers = [asyncio.create_task(self._work()) for _ in range(concurrency)]

    async def _work(self) -> None:
        while True:
            job_id, job = await self._queue.get()
            try:
                await job()
            except Exception:
                log.exception("job %s failed (the sweep will retry it)", job_id)
            finally:
                self._pending.discard(job_id)
                self._queue.task_done()

    async def _put(self, job_id: str, job: Job, wait: bool) -> bool:
        if job_id in self._pending:
            return False
        self._pending.add(job_id)
        if wait:
            await self._queue.put((job_id, job))
            return True
        try:
            self._queue.put_nowait((job_id, job))
        except asyncio.QueueFull:
            self._pending.discard(job_id)
            return False
        return True

    async def enqueue_judge(
        self,
        session_pk: int,
        prompt: str,
        run_id: int | None = None,
        *,
        generation: int = 0,
        wait: bool = False,
    ) -> bool:
        job_id = judge_job_id(session_pk, prompt, run_id, generation)
        return await self._put(job_id, lambda: self._judge(session_pk, prompt, run_id), wait)

    async def enqueue_run(self, run_id: int) -> bool:
        return await self._put(f"run:{run_id}", lambda: self._start_run(run_id), wait=False)

    def depth(self) -> int:
        """Jobs waiting to run."""
        return self._queue.qsize()

    async def drain(self) -> None:
        """Wait until every queued job has run (tests, the CLI)."""
        await self._queue.join()

    async def close(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
