"""The outbox sweep: whatever the database says still needs a verdict gets one.

Sessions ``pending`` or ``queued`` for too long (Redis was down, a worker died
mid-job), sessions ``failed`` a while ago (fewer than the maximum attempts), and run
items whose job vanished are queued again; runs with nothing left are finished.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from store.models import RunItem, SessionRow
from store.runs import finish_runs, stale_items
from workers.close_idle import close_idle
from workers.context import JobContext

BATCH = 5000


async def _move(ctx: JobContext, pks: list[int], before: str, after: str) -> None:
    if not pks:
        return
    async with ctx.sessions() as db:
        await db.execute(
            update(SessionRow)
            .where(SessionRow.pk.in_(pks), SessionRow.judge_status == before)
            .values(judge_status=after, status_changed_at=datetime.now(UTC))
        )
        await db.commit()


async def enqueue_sessions(
    ctx: JobContext, pks: list[int], generation: int = 0, *, stored_as_queued: bool = False
) -> int:
    """Queue automatic judgements with the configured prompt; answer how many went.

    Sessions stored ``pending`` move to ``queued`` once their job is accepted; sessions
    stored optimistically as ``queued`` (the ingest path, saving a transaction) move
    back to ``pending`` when it is not. The sweep treats both alike.
    """
    assert ctx.queue is not None
    prompt = ctx.settings.prompt
    accepted = [
        pk for pk in pks if await ctx.queue.enqueue_judge(pk, prompt, generation=generation)
    ]
    if stored_as_queued:
        refused = sorted(set(pks) - set(accepted))
        await _move(ctx, refused, "queued", "pending")
    else:
        await _move(ctx, accepted, "pending", "queued")
    return len(accepted)


async def sweep(ctx: JobContext) -> dict[str, int]:
    assert ctx.queue is not None
    idle_closed = await close_idle(ctx)
    await enqueue_sessions(ctx, idle_closed)
    s = ctx.settings
    now = datetime.now(UTC)
    stale_before = now - timedelta(seconds=s.sweep_after_seconds)
    retry_before = now - timedelta(seconds=s.retry_failed_after_seconds)
    async with ctx.sessions() as db:
        due = or_(
            SessionRow.judge_status.in_(("pending", "queued"))
            & (SessionRow.status_changed_at < stale_before),
            (SessionRow.judge_status == "failed")
            & (SessionRow.judge_attempts < s.max_judge_attempts)
            & (SessionRow.status_changed_at < retry_before),
        )
        pks = list(await db.scalars(select(SessionRow.pk).where(due).limit(BATCH)))
        if pks:
            await db.execute(
                update(SessionRow)
                .where(SessionRow.pk.in_(pks))
                .values(judge_status="pending", status_changed_at=now)
            )
        items = await stale_items(db, stale_before, BATCH)
        for run_id, session_pk, _ in items:
            await db.execute(
                update(RunItem)
                .where(RunItem.run_id == run_id, RunItem.session_pk == session_pk)
                .values(updated_at=now)
            )
        finished = await finish_runs(db)
        await db.commit()
    generation = int(now.timestamp())
    requeued = await enqueue_sessions(ctx, pks, generation)
    for run_id, session_pk, prompt in items:
        await ctx.queue.enqueue_judge(session_pk, prompt, run_id, generation=generation)
    return {
        "sessions": requeued,
        "run_items": len(items),
        "runs_finished": finished,
        "idle_closed": len(idle_closed),
    }
