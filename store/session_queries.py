"""Reading sessions back: one session, its events, and the filtered, paginated list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import SessionEvents, SessionRow
from store.pagination import BadCursor, newest_first

__all__ = ["BadCursor", "SessionFilter", "get_events", "get_session", "list_sessions"]


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """The filters of the session list, shared by trends and reprocessing runs."""

    time_from: datetime | None = None
    time_to: datetime | None = None
    source: str | None = None
    model: str | None = None
    end_reason: str | None = None
    stuck: bool | None = None

    @property
    def narrows(self) -> bool:
        """Whether it selects fewer sessions than all of a time range."""
        return any(v is not None for v in (self.source, self.model, self.end_reason, self.stuck))

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
    return await newest_first(db, stmt, SessionRow.occurred_at, SessionRow.pk, limit, cursor)
