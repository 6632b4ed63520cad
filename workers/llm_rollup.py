"""The rollup job: the llm_calls of newly stored sessions go into the LLM rollups that the
dashboard reads (store/llm_rollup.py), ``llm_rollup_batch`` sessions per transaction until
none is left. Run by arq's cron, or every ``llm_rollup_interval_seconds`` in-process.
"""

from __future__ import annotations

import asyncio
import logging

from store.llm_rollup import roll_up
from workers.context import JobContext

log = logging.getLogger(__name__)


async def roll_up_calls(ctx: JobContext) -> int:
    """Roll up every session stored so far; answer how many."""
    batch, total = ctx.settings.llm_rollup_batch, 0
    while True:
        async with ctx.sessions() as db:
            done = await roll_up(db, batch)
            await db.commit()
        total += done
        if done < batch:
            return total


async def rollup_loop(ctx: JobContext, interval: float) -> None:
    """In-process mode: :func:`roll_up_calls` every ``interval`` seconds, for ever."""
    while True:
        try:
            await roll_up_calls(ctx)
        except Exception:
            log.exception("llm rollup failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
