"""Two prompt versions side by side on the sessions both judged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import SessionRow, VerdictRow


@dataclass(frozen=True, slots=True)
class Pair:
    session_id: str
    baseline: tuple[str, str]
    candidate: tuple[str, str]
    """(termination, helpfulness) of each side."""


async def _latest(db: DbSession, project_id: int, *where: object) -> dict[int, tuple[str, str]]:
    rows = await db.execute(
        select(VerdictRow.session_pk, VerdictRow.termination, VerdictRow.helpfulness)
        .where(VerdictRow.project_id == project_id, *where)  # type: ignore[arg-type]
        .order_by(VerdictRow.created_at, VerdictRow.id)
    )
    return {pk: (termination, helpfulness) for pk, termination, helpfulness in rows}


async def run_pairs(db: DbSession, project_id: int, run_id: int, baseline: str) -> list[Pair]:
    """The run's verdicts against the newest ``baseline`` verdict of the same sessions."""
    candidate = await _latest(db, project_id, VerdictRow.run_id == run_id)
    if not candidate:
        return []
    base = await _latest(
        db, project_id, VerdictRow.prompt == baseline, VerdictRow.session_pk.in_(candidate)
    )
    ids = dict(
        (await db.execute(
            select(SessionRow.pk, SessionRow.session_id).where(SessionRow.pk.in_(base))
        )).all()
    )  # fmt: skip
    return [Pair(ids[pk], base[pk], candidate[pk]) for pk in sorted(base) if pk in ids]
