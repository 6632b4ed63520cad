"""Human labels: append-only; the latest label of each reviewer of a session counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import Label, VerdictRow


async def add_label(
    db: DbSession,
    project_id: int,
    session_pk: int,
    reviewer: str,
    *,
    termination: str | None,
    helpfulness: str | None,
    note: str | None,
    verdict_id: int | None,
) -> Label:
    label = Label(
        project_id=project_id,
        session_pk=session_pk,
        verdict_id=verdict_id,
        reviewer=reviewer,
        termination=termination,
        helpfulness=helpfulness,
        note=note,
        created_at=datetime.now(UTC),
    )
    db.add(label)
    await db.flush()
    return label


async def verdict_belongs(db: DbSession, project_id: int, session_pk: int, verdict_id: int) -> bool:
    """Whether ``verdict_id`` is a verdict of that session (a label may cite only those)."""
    found = await db.scalar(
        select(VerdictRow.id).where(
            VerdictRow.id == verdict_id,
            VerdictRow.project_id == project_id,
            VerdictRow.session_pk == session_pk,
        )
    )
    return found is not None


async def label_history(db: DbSession, project_id: int, session_pk: int) -> list[Label]:
    """Every label of the session, oldest first."""
    rows = await db.scalars(
        select(Label)
        .where(Label.project_id == project_id, Label.session_pk == session_pk)
        .order_by(Label.created_at, Label.id)
    )
    return list(rows)


def latest_per_reviewer(history: Iterable[Label]) -> list[Label]:
    """The newest label of each (session, reviewer) in ``history`` (given oldest first)."""
    latest: dict[tuple[int, str], Label] = {}
    for label in history:
        latest[(label.session_pk, label.reviewer)] = label
    return list(latest.values())


async def latest_labels(db: DbSession, project_id: int) -> list[Label]:
    """The labels that count: each reviewer's newest of each session in the project."""
    rows = await db.scalars(
        select(Label).where(Label.project_id == project_id).order_by(Label.created_at, Label.id)
    )
    return latest_per_reviewer(rows)


async def labelled_session_pks(
    db: DbSession, project_id: int, after_pk: int, limit: int
) -> list[int]:
    """Labelled sessions in pk order, a page at a time (the export walks them all)."""
    rows = await db.scalars(
        select(Label.session_pk)
        .where(Label.project_id == project_id, Label.session_pk > after_pk)
        .group_by(Label.session_pk)
        .order_by(Label.session_pk)
        .limit(limit)
    )
    return list(rows)
