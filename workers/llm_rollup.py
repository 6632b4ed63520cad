"""The rollup job: the llm_calls of newly stored sessions go into the LLM rollups that the
dashboard reads (store/llm_rollup.py), ``llm_rollup_batch`` sessions per transaction until
none is left. Run by arq's cron, or every ``llm_rollup_interval_seconds`` in-process.
"""

from __future__ import annotations

from store.llm_rollup import roll_up
from workers.context import JobContext


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
