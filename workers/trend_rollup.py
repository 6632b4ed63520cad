"""The trend rollup job: the hours that writes named as changed get their trend rollups
recomputed (store/trend_rollup.py), in one transaction. Run by arq's cron, or every
``trend_rollup_interval_seconds`` in-process.
"""

from __future__ import annotations

from store.trend_rollup import refresh
from workers.context import JobContext


async def refresh_trends(ctx: JobContext) -> int:
    """Recompute every hour named so far; answer how many."""
    async with ctx.sessions() as db:
        hours = await refresh(db)
        await db.commit()
    return hours
