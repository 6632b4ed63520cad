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
from workers.alerts import load_slo, run_alert_cycle
from workers.context import JobContext, build_context
from workers.judging import judge_session
from workers.llm_rollup import roll_up_calls
from workers.periodic import every
from workers.queue import ArqQueue, InProcessQueue, JobQueue
from workers.runs import start_run
from workers.sweep import sweep
from workers.trend_rollup import refresh_trends

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
    loops: list[asyncio.Task[None]] = []
    if settings.redis_url:
        # No ping at start: the API takes sessions while Redis is away; the sweep catches up.
        queue: JobQueue = ArqQueue(ArqRedis.from_url(settings.redis_url))
    else:
        queue = in_process_queue(jobs)
        periodic = [
            (settings.sweep_interval_seconds, "sweep", lambda: sweep(jobs)),
            (settings.alert_interval_seconds, "alerts", lambda: run_alert_cycle(jobs, slo)),
            (settings.llm_rollup_interval_seconds, "llm rollup", lambda: roll_up_calls(jobs)),
            (settings.trend_rollup_interval_seconds, "trend rollup", lambda: refresh_trends(jobs)),
        ]
        loops = [asyncio.create_task(every(*args)) for args in periodic]
    jobs.queue = queue
    try:
        yield AppState(settings, jobs, queue, slo=slo)
    finally:
        for loop in loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await queue.close()
        await jobs.close()
