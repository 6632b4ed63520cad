"""Reads of one session for a reviewer: its current verdicts and its users' feedback."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import CurrentVerdict, Feedback, VerdictRow


async def current_verdicts(db: DbSession, project_id: int, session_pk: int) -> list[VerdictRow]:
    """The newest verdict of each prompt version, by prompt."""
    rows = await db.scalars(
        select(VerdictRow)
        .join(CurrentVerdict, CurrentVerdict.verdict_id == VerdictRow.id)
        .where(CurrentVerdict.project_id == project_id, CurrentVerdict.session_pk == session_pk)
        .order_by(VerdictRow.prompt)
    )
    return list(rows)


async def session_feedback(db: DbSession, project_id: int, session_id: str) -> list[Feedback]:
    rows = await db.scalars(
        select(Feedback)
        .where(Feedback.project_id == project_id, Feedback.session_id == session_id)
        .order_by(Feedback.ts, Feedback.id)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class Thumbs:
    up: int = 0
    down: int = 0


async def thumbs_of(
    db: DbSession, project_id: int, session_ids: Collection[str]
) -> dict[str, Thumbs]:
    """Thumbs up and down per session (one per user: the latest click wins)."""
    rows = await db.execute(
        select(Feedback.session_id, Feedback.rating, func.count())
        .where(Feedback.project_id == project_id, Feedback.session_id.in_(session_ids))
        .group_by(Feedback.session_id, Feedback.rating)
    )
    counts: dict[str, dict[str, int]] = {}
    for session_id, rating, n in rows:
        counts.setdefault(session_id, {})[rating] = n
    return {sid: Thumbs(c.get("up", 0), c.get("down", 0)) for sid, c in counts.items()}
