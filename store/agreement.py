"""What agreement figures are computed from: the judge's current verdicts on labelled
sessions, and the thumbs on judged sessions (weak labels)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import CurrentVerdict, Feedback, Label, SessionRow

Classes = tuple[str, str]
"""A verdict's ``(termination, helpfulness)``."""


async def labelled_verdicts(
    db: DbSession, project_id: int, prompts: Sequence[str]
) -> dict[str, dict[int, Classes]]:
    """Per prompt version, its current verdict of every labelled session it judged."""
    labelled = select(Label.session_pk).where(Label.project_id == project_id)
    rows = await db.execute(
        select(
            CurrentVerdict.prompt,
            CurrentVerdict.session_pk,
            CurrentVerdict.termination,
            CurrentVerdict.helpfulness,
        ).where(
            CurrentVerdict.project_id == project_id,
            CurrentVerdict.prompt.in_(prompts),
            CurrentVerdict.session_pk.in_(labelled),
        )
    )
    verdicts: dict[str, dict[int, Classes]] = {prompt: {} for prompt in prompts}
    for prompt, pk, termination, helpfulness in rows:
        verdicts[prompt][pk] = (termination, helpfulness)
    return verdicts


@dataclass(frozen=True, slots=True)
class ThumbCounts:
    """Sessions judged with one helpfulness class: how many have thumbs, up, down."""

    with_thumbs: int
    up: int
    down: int


async def thumbs_by_helpfulness(
    db: DbSession, project_id: int, prompt: str
) -> dict[str, ThumbCounts]:
    """Per helpfulness class of the prompt's current verdicts, the sessions with any
    thumbs, any thumbs up and any thumbs down (several users may rate one session)."""
    pk = CurrentVerdict.session_pk
    rows = await db.execute(
        select(
            CurrentVerdict.helpfulness,
            func.count(pk.distinct()),
            func.count(case((Feedback.rating == "up", pk)).distinct()),
            func.count(case((Feedback.rating == "down", pk)).distinct()),
        )
        .join(SessionRow, SessionRow.pk == pk)
        .join(
            Feedback,
            (Feedback.project_id == SessionRow.project_id)
            & (Feedback.session_id == SessionRow.session_id),
        )
        .where(CurrentVerdict.project_id == project_id, CurrentVerdict.prompt == prompt)
        .group_by(CurrentVerdict.helpfulness)
    )
    return {helpfulness: ThumbCounts(n, up, down) for helpfulness, n, up, down in rows}
