"""Reading verdicts and the prompt versions they were made with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.deps import Db, Reader, app_state
from api.errors import ERROR_RESPONSES, field_error
from api.params import Text, TimeFrom, TimeTo
from api.schemas import PromptOut, VerdictOut, VerdictPage
from api.state import AppState
from judge import Helpfulness
from rules import Termination
from store.models import SessionRow
from store.pagination import BadCursor
from store.prompt_pins import current_prompt, list_prompt_versions
from store.verdicts import VerdictFilter, list_verdicts

router = APIRouter(prefix="/v1", tags=["verdicts"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]
Confidence = Annotated[float | None, Query(ge=0.0, le=1.0)]


@router.get("/verdicts")
async def list_verdict_page(
    db: Db,
    principal: Reader,
    termination: Termination | None = None,
    helpfulness: Helpfulness | None = None,
    prompt: Text | None = None,
    judge_model: Text | None = None,
    min_confidence: Confidence = None,
    max_confidence: Confidence = None,
    time_from: TimeFrom = None,
    time_to: TimeTo = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Text | None = None,
) -> VerdictPage:
    """Verdicts newest first; follow ``next_cursor`` for the next page."""
    filters = VerdictFilter(
        termination, helpfulness, prompt, judge_model,
        min_confidence, max_confidence, time_from, time_to,
    )  # fmt: skip
    try:
        rows, next_cursor = await list_verdicts(db, principal.project_id, filters, limit, cursor)
    except BadCursor as exc:
        raise field_error(["query", "cursor"], str(exc), "value_error") from exc
    pks = {row.session_pk for row in rows}
    ids = dict(
        (await db.execute(
            select(SessionRow.pk, SessionRow.session_id).where(SessionRow.pk.in_(pks))
        )).all()
    )  # fmt: skip
    return VerdictPage(
        items=[VerdictOut.of(row, ids[row.session_pk]) for row in rows], next_cursor=next_cursor
    )


@router.get("/prompts")
async def list_prompts(db: Db, state: State, principal: Reader) -> list[PromptOut]:
    """Every prompt version: content hash, when first used, which one is current."""
    pinned = {row.key: row for row in await list_prompt_versions(db)}
    current = await current_prompt(db, principal.project_id, state.settings.prompt)
    return [
        PromptOut(
            key=prompt.key,
            name=prompt.name,
            version=prompt.version,
            content_hash=prompt.content_hash,
            description=prompt.description,
            current=prompt.key == current,
            registered_at=pinned[prompt.key].registered_at if prompt.key in pinned else None,
            first_used_at=pinned[prompt.key].first_used_at if prompt.key in pinned else None,
        )
        for prompt in state.jobs.registry.all()
    ]
