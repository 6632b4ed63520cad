"""Closing open sessions nobody has added to for a while (end reason ``timeout``).

Run by the minute sweep. Each session closes in a transaction of its own, re-checked
under its row lock, so an event arriving meanwhile keeps the session open, and several
sweepers (api replicas) never close one session twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.close_open import Closing, close_open, idle_open
from workers.context import JobContext

BATCH = 1000


async def close_idle(ctx: JobContext) -> list[int]:
    """Close the idle open sessions; answer the pks of the sessions stored (to judge)."""
    before = datetime.now(UTC) - timedelta(seconds=ctx.settings.open_session_idle_seconds)
    async with ctx.sessions() as db:
        due = await idle_open(db, before, BATCH)
    stored: list[int] = []
    for project_id, session_id in due:
        async with ctx.sessions() as db:
            outcomes = await close_open(
                db,
                project_id,
                [Closing(session_id, "timeout")],
                thresholds=ctx.thresholds,
                idle_before=before,
            )
            await db.commit()
        stored += [o.pk for o in outcomes if o.status == "created" and o.pk is not None]
    return stored
