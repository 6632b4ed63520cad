"""Changing which prompt version a project's trends use, and the record of changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import PromptChange


async def record_change(
    db: DbSession, project_id: int, from_prompt: str | None, to_prompt: str, changed_by: str
) -> PromptChange:
    change = PromptChange(
        project_id=project_id,
        from_prompt=from_prompt,
        to_prompt=to_prompt,
        changed_by=changed_by,
        changed_at=datetime.now(UTC),
    )
    db.add(change)
    await db.flush()
    return change


async def list_changes(db: DbSession, project_id: int, limit: int) -> list[PromptChange]:
    """The project's changes, newest first."""
    rows = await db.scalars(
        select(PromptChange)
        .where(PromptChange.project_id == project_id)
        .order_by(PromptChange.changed_at.desc(), PromptChange.id.desc())
        .limit(limit)
    )
    return list(rows)
