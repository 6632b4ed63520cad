"""Reprocessing runs: fan a run out into judge jobs, one per matching session."""

from __future__ import annotations

from datetime import UTC, datetime

from store.models import Run
from store.runs import add_items
from workers.context import JobContext


async def start_run(ctx: JobContext, run_id: int) -> str:
    """Record the run's items and queue a judgement for each (idempotent per run)."""
    assert ctx.queue is not None, "start_run needs a queue"
    async with ctx.sessions() as db:
        run = await db.get(Run, run_id)
        if run is None or run.status != "queued":
            return "nothing to start"
        prompt = run.prompt
        try:
            ctx.registry.get(prompt)
        except KeyError as exc:
            run.status, run.error, run.finished_at = "failed", str(exc), datetime.now(UTC)
            await db.commit()
            return "failed"
        pks = await add_items(db, run)
        await db.commit()
    for pk in pks:
        await ctx.queue.enqueue_judge(pk, prompt, run_id, wait=True)
    return f"queued {len(pks)}"
