"""Naming the hours whose trend rollups a write made stale (``TrendChange`` rows), in the
writer's transaction: until the trend rollup job has recomputed an hour, trends read it
from the sessions themselves, so no write is ever missing from a trend.

Writers only append; they never wait for one another or for the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.buckets import floor_time
from store.models import SessionRow, TrendChange

CHANGES = cast(Table, TrendChange.__table__)


async def mark_times(db: DbSession, project_id: int, times: Iterable[datetime]) -> None:
    """The hours holding ``times`` changed (one row per hour)."""
    hours = sorted({floor_time(at, "hour") for at in times})
    if hours:
        await db.execute(
            insert(CHANGES), [{"project_id": project_id, "occurred_at": h} for h in hours]
        )


def mark_sessions(*where: ColumnElement[bool]) -> Any:
    """A statement naming the hours of the sessions ``where`` selects as changed."""
    sessions = select(SessionRow.project_id, SessionRow.occurred_at).where(*where)
    return insert(CHANGES).from_select(["project_id", "occurred_at"], sessions)
