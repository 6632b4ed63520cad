"""Explicit thumbs feedback, keyed by the client's session id so it may come before the
session does, and matched with it by ``(project_id, session_id)``.

One row per project, session and user (``user_key``: the user id, or '' when anonymous);
a newer click replaces it, an older one (by ``ts``) is ignored, so retries and clicks
arriving out of order settle on the user's latest rating.

Each session carries its thumbs as ``feedback_count`` and ``feedback_up`` (what outcome
trends read), counted again from the feedback rows whenever either side is written: a
click (``record_feedback``) and a stored session (``store_event_feedback``, which ingest
calls for every new or replaced session). On Postgres both writers of one session id take
the same transaction-level advisory lock before counting, so each count sees the other's
rows: a click racing the first ingest of its session is counted either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import Session
from rules.model import EventType
from store.models import Feedback, SessionRow
from store.trend_changes import mark_sessions

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
    if db.get_bind().dialect.name == "postgresql":
        # the session row first, as ingest locks it before counting: no lock-order cycle
        session = select(SessionRow.pk).where(
            SessionRow.project_id == project_id, SessionRow.session_id == values.session_id
        )
        await db.execute(session.with_for_update())
    await _lock_ids(db, project_id, [values.session_id])
    existed = await db.scalar(_where(project_id, values).with_only_columns(Feedback.id))
    stmt = _upsert(db, project_id).values(_row(project_id, values, datetime.now(UTC)))
    applied = (await db.execute(stmt.returning(Feedback.id))).scalar_one_or_none()
    stored = await db.scalar(_where(project_id, values).execution_options(populate_existing=True))
    assert stored is not None  # the upsert either wrote it or found a newer one
    outcome: Outcome = "stale" if applied is None else "updated" if existed else "created"
    if applied is not None:
        await count_thumbs(db, project_id, [values.session_id])
        await db.execute(
            mark_sessions(
                SessionRow.project_id == project_id, SessionRow.session_id == values.session_id
            )
        )
    return stored, outcome


async def _lock_ids(db: DbSession, project_id: int, session_ids: Sequence[str]) -> None:
    """Postgres: the advisory locks of these session ids, in a fixed order (no deadlock
    between two writers of several ids), held until the transaction ends."""
    if db.get_bind().dialect.name != "postgresql" or not session_ids:
        return
    await db.execute(
        text(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
            " hashtextextended(id, :project) AS k FROM unnest(CAST(:ids AS text[])) AS id"
            " ORDER BY k) AS keys"
        ),
        {"project": project_id, "ids": list(session_ids)},
    )


async def count_thumbs(
    db: DbSession, project_id: int, session_ids: Sequence[str] | None = None
) -> None:
    """Set the thumbs of these sessions (all the project's when None, after a bulk load)
    from their feedback rows. Rows are only added or replaced, never removed, so a session
    without any keeps its zeros."""
    rows = select(
        Feedback.session_id,
        func.count().label("n"),
        func.count().filter(Feedback.rating == "up").label("up"),
    ).where(Feedback.project_id == project_id)
    if session_ids is not None:
        rows = rows.where(Feedback.session_id.in_(session_ids))
    counts = rows.group_by(Feedback.session_id).subquery()
    await db.execute(
        update(SessionRow)
        .where(SessionRow.project_id == project_id, SessionRow.session_id == counts.c.session_id)
        .values(feedback_count=counts.c.n, feedback_up=counts.c.up)
        .execution_options(synchronize_session=False)
    )


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
    """Upsert the feedback events of freshly stored sessions (one statement, if any), then
    count their thumbs: those of their events and any clicked before they arrived."""
    ids = sorted({session.session_id for session in sessions})
    await _lock_ids(db, project_id, ids)
    found = [values for session in sessions for values in event_feedback(session)]
    if found:
        now = datetime.now(UTC)
        await db.execute(_upsert(db, project_id), [_row(project_id, v, now) for v in found])
    await count_thumbs(db, project_id, ids)
