"""What the app holds for its lifetime: settings, database, judge context and job queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from arq import ArqRedis
from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import LoopThresholds
from rules.slo import SloConfig
from store.engine import create_engine
from store.keys import Principal
from store.settings import Settings
from workers.alerts import alert_loop, load_slo
from workers.context import JobContext, build_context
from workers.judging import judge_session
from workers.llm_rollup import rollup_loop
from workers.queue import ArqQueue, InProcessQueue, JobQueue
from workers.runs import start_run
from workers.sweep import sweep

log = logging.getLogger(__name__)


@dataclass
class AppState:
    settings: Settings
    jobs: JobContext
    queue: JobQueue
    # Known keys, for a few seconds: a revoked key stops working within that time.
    principals: TTLCache[str, Principal] = field(
        default_factory=lambda: TTLCache(maxsize=10_000, ttl=10)
    )
    slo: SloConfig = field(default_factory=lambda: SloConfig(objectives=[]))

    @property
    def engine(self) -> AsyncEngine:
        return self.jobs.engine

    @property
    def sessions(self) -> async_sessionmaker[DbSession]:
        return self.jobs.sessions

    @property
    def thresholds(self) -> LoopThresholds:
        return self.jobs.thresholds


async def _sweep_forever(jobs: JobContext, interval: float) -> None:
    while True:
        try:
            await sweep(jobs)
        except Exception:
            log.exception("sweep failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)


def in_process_queue(jobs: JobContext) -> InProcessQueue:
    return InProcessQueue(
        lambda pk, prompt, run_id: judge_session(jobs, pk, prompt, run_id),
        lambda run_id: start_run(jobs, run_id),
        jobs.settings.judge_concurrency,
    )


@asynccontextmanager
async def app_state(settings: Settings) -> AsyncIterator[AppState]:
    """Build everything the app needs; with no Redis, jobs, the sweep, alert evaluation
    and the llm rollup run in-process."""
    slo = load_slo(settings.slo_file)  # a bad SLO file stops the start here
    jobs = await build_context(settings, create_engine(settings))
    sweeper: asyncio.Task[None] | None = None
    alerter: asyncio.Task[None] | None = None
    roller: asyncio.Task[None] | None = None
    if settings.redis_url:
        # No ping at start: the API takes sessions while Redis is away; the sweep catches up.
        queue: JobQueue = ArqQueue(ArqRedis.from_url(settings.redis_url))
    else:
        queue = in_process_queue(jobs)
        sweeper = asyncio.create_task(_sweep_forever(jobs, settings.sweep_interval_seconds))
        alerter = asyncio.create_task(alert_loop(jobs, slo, settings.alert_interval_seconds))
        roller = asyncio.create_task(rollup_loop(jobs, settings.llm_rollup_interval_seconds))
    jobs.queue = queue
    try:
        yield AppState(settings, jobs, queue, slo=slo)
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        if alerter is not None:
            alerter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alerter
        if roller is not None:
            roller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await roller
        await queue.close()
        await jobs.close()
