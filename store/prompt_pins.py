"""Pinning prompt versions: a released version's file may never change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from judge import Prompt
from store.models import PromptChange, PromptVersion


class PromptChanged(RuntimeError):
    """A released prompt version's file differs from the hash recorded for it."""


async def pin_prompts(db: DbSession, prompts: Iterable[Prompt]) -> None:
    """Record new versions; refuse (raise) when a known version's content changed."""
    known = {row.key: row for row in await db.scalars(select(PromptVersion))}
    now = datetime.now(UTC)
    changed = []
    for prompt in prompts:
        row = known.get(prompt.key)
        if row is None:
            db.add(
                PromptVersion(
                    key=prompt.key,
                    name=prompt.name,
                    version=prompt.version,
                    content_hash=prompt.content_hash,
                    registered_at=now,
                )
            )
        elif row.content_hash != prompt.content_hash:
            changed.append(prompt.key)
    if changed:
        raise PromptChanged(
            f"released prompt versions were edited: {', '.join(changed)}; "
            "restore them and put the new behaviour in a new version"
        )
    await db.flush()


async def mark_used(db: DbSession, key: str) -> None:
    await db.execute(
        update(PromptVersion)
        .where(PromptVersion.key == key, PromptVersion.first_used_at.is_(None))
        .values(first_used_at=datetime.now(UTC))
    )


async def list_prompt_versions(db: DbSession) -> list[PromptVersion]:
    return list(await db.scalars(select(PromptVersion).order_by(PromptVersion.key)))


async def current_prompt(db: DbSession, project_id: int, default: str) -> str:
    """The prompt version the project's trends use: its latest change, else ``default``."""
    latest = await db.scalar(
        select(PromptChange.to_prompt)
        .where(PromptChange.project_id == project_id)
        .order_by(PromptChange.changed_at.desc(), PromptChange.id.desc())
        .limit(1)
    )
    return latest or default
