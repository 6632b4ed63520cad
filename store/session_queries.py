"""Reading sessions back: one session, its events, and the filtered, paginated list."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import SessionEvents, SessionRow


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """The filters of the session list, shared by trends and reprocessing runs."""

    time_from: datetime | None = None
    time_to: datetime | None = None
    source: str | None = None
    model: str | None = None
    end_reason: str | None = None
    stuck: bool | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        conditions = []
        if self.time_from is not None:
            conditions.append(SessionRow.occurred_at >= self.time_from)
        if self.time_to is not None:
            conditions.append(SessionRow.occurred_at < self.time_to)
        for column, value in (
            (SessionRow.source, self.source),
            (SessionRow.model, self.model),
            (SessionRow.end_reason, self.end_reason),
            (SessionRow.stuck, self.stuck),
        ):
            if value is not None:
                conditions.append(column == value)
        return stmt.where(*conditions)


def encode_pair(at: datetime, key: int) -> str:
    """An opaque cursor for keyset pagination over (time, id)."""
    raw = orjson.dumps([at.isoformat(), key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_pair(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = orjson.loads(raw)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadCursor("cursor is not one this service issued") from exc


async def get_session(db: DbSession, project_id: int, session_id: str) -> SessionRow | None:
    return await db.scalar(
        select(SessionRow).where(
            SessionRow.project_id == project_id, SessionRow.session_id == session_id
        )
    )


async def get_events(db: DbSession, project_id: int, session_pk: int) -> list[Any]:
    events = await db.scalar(
        select(SessionEvents.events).where(
            SessionEvents.project_id == project_id, SessionEvents.session_pk == session_pk
        )
    )
    return list(events or [])


async def list_sessions(
    db: DbSession, project_id: int, filters: SessionFilter, limit: int, cursor: str | None
) -> tuple[Sequence[SessionRow], str | None]:
    """Newest first; the cursor is the (occurred_at, pk) of the last row served."""
    stmt = filters.apply(select(SessionRow).where(SessionRow.project_id == project_id))
    if cursor:
        at, pk = decode_pair(cursor)
        stmt = stmt.where(
            or_(
                SessionRow.occurred_at < at,
                and_(SessionRow.occurred_at == at, SessionRow.pk < pk),
            )
        )
    stmt = stmt.order_by(SessionRow.occurred_at.desc(), SessionRow.pk.desc()).limit(limit + 1)
    rows = (await db.scalars(stmt)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return rows, encode_pair(last.occurred_at, last.pk) if more and last else None
