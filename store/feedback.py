"""Explicit thumbs feedback, keyed by the client's session id so it may come before the
session does, and joined with it by ``(project_id, session_id)`` when read.

One row per project, session and user (``user_key``: the user id, or '' when anonymous);
a newer click replaces it, an older one (by ``ts``) is ignored, so retries and clicks
arriving out of order settle on the user's latest rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import Session
from rules.model import EventType
from store.models import Feedback

Origin = Literal["api", "event"]
Outcome = Literal["created", "updated", "stale"]
USER_KEY_CHARS = 256  # the column's width; event fields are only cut at max_string_chars


@dataclass(frozen=True, slots=True)
class FeedbackValues:
    session_id: str
    user_key: str
    rating: str
    comment: str | None
    ts: datetime
    origin: Origin


def _upsert(db: DbSession, project_id: int) -> Any:
    """Insert, or replace the stored rating when the new one is at least as recent."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Feedback)
    return stmt.on_conflict_do_update(
        index_elements=["project_id", "session_id", "user_key"],
        set_={k: stmt.excluded[k] for k in ("rating", "comment", "ts", "origin")},
        where=stmt.excluded.ts >= Feedback.ts,
    )


def _row(project_id: int, values: FeedbackValues, now: datetime) -> dict[str, Any]:
    return {"project_id": project_id, "created_at": now, **asdict(values)}


def _where(project_id: int, values: FeedbackValues) -> Any:
    return select(Feedback).where(
        Feedback.project_id == project_id,
        Feedback.session_id == values.session_id,
        Feedback.user_key == values.user_key,
    )


async def record_feedback(
    db: DbSession, project_id: int, values: FeedbackValues
) -> tuple[Feedback, Outcome]:
    """Store one click; answer the row as stored and whether it was new, replaced an older
    rating, or was itself older than the stored one (``stale``, nothing changed)."""
    existed = await db.scalar(_where(project_id, values).with_only_columns(Feedback.id))
    stmt = _upsert(db, project_id).values(_row(project_id, values, datetime.now(UTC)))
    applied = (await db.execute(stmt.returning(Feedback.id))).scalar_one_or_none()
    stored = await db.scalar(_where(project_id, values).execution_options(populate_existing=True))
    assert stored is not None  # the upsert either wrote it or found a newer one
    outcome: Outcome = "stale" if applied is None else "updated" if existed else "created"
    return stored, outcome


def event_feedback(session: Session) -> list[FeedbackValues]:
    """The ``feedback`` events of a session, the latest per user (events are sorted by
    ``ts``); the user is the event's ``user_id``, else the session's."""
    latest: dict[str, FeedbackValues] = {}
    for event in session.events:
        if event.type != EventType.FEEDBACK or event.rating is None:
            continue
        user = (event.user_id or session.user_id or "")[:USER_KEY_CHARS]
        latest[user] = FeedbackValues(
            session.session_id, user, event.rating, event.comment, event.ts, "event"
        )
    return list(latest.values())


async def store_event_feedback(db: DbSession, project_id: int, sessions: Sequence[Session]) -> None:
    """Upsert the feedback events of freshly stored sessions (one statement, if any)."""
    found = [values for session in sessions for values in event_feedback(session)]
    if found:
        now = datetime.now(UTC)
        await db.execute(_upsert(db, project_id), [_row(project_id, v, now) for v in found])
