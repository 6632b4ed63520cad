"""The review queue and the one-session view the review page works from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Db, Reader, app_state
from api.errors import ERROR_RESPONSES, NotFound, field_error
from api.params import SessionIdPath, Text, TimeFrom, TimeTo
from api.review_bundle import session_bundle
from api.review_schemas import QueueItem, QueuePage, QueueVerdict, ReviewItemOut, Thumbs
from api.state import AppState
from judge import Helpfulness
from rules import Termination
from store.prompt_pins import current_prompt
from store.review_item import thumbs_of
from store.review_queue import QueueOrder, QueueQuery, QueueRow, queue_reasons, review_queue
from store.session_queries import BadCursor, get_session
from store.verdicts import VerdictFilter

router = APIRouter(prefix="/v1", tags=["review"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]
Confidence = Annotated[float | None, Query(ge=0.0, le=1.0)]
PromptQuery = Annotated[
    Text | None, Query(description="A prompt version; default: the project's current one.")
]


def _item(row: QueueRow, thumbs: dict[str, Thumbs]) -> QueueItem:
    verdict = QueueVerdict(
        id=row.verdict_id, prompt=row.prompt, termination=row.termination,
        helpfulness=row.helpfulness, confidence=row.confidence, judge_model=row.judge_model,
    )  # fmt: skip
    return QueueItem(
        session_id=row.session_id, source=row.source, model=row.model,
        occurred_at=row.occurred_at, verdict=verdict, reasons=row.reasons,
        thumbs=thumbs.get(row.session_id, Thumbs(up=0, down=0)),
    )  # fmt: skip


@router.get("/review-queue")
async def read_review_queue(
    db: Db,
    state: State,
    principal: Reader,
    prompt: PromptQuery = None,
    termination: Termination | None = None,
    helpfulness: Helpfulness | None = None,
    judge_model: Text | None = None,
    min_confidence: Confidence = None,
    max_confidence: Confidence = None,
    time_from: TimeFrom = None,
    time_to: TimeTo = None,
    order: QueueOrder = "priority",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Text | None = None,
) -> QueuePage:
    """Current verdicts that most need a human, for the caller's key as the reviewer:
    judge and user disagree, then low confidence, then prompt versions disagree, then a
    calibration sample; sessions the reviewer labelled already are left out."""
    prompt = prompt or await current_prompt(db, principal.project_id, state.settings.prompt)
    filters = VerdictFilter(
        termination, helpfulness, prompt, judge_model,
        min_confidence, max_confidence, time_from, time_to,
    )  # fmt: skip
    query = QueueQuery(
        prompt, principal.key_name, state.settings.review_low_confidence, filters, order
    )
    try:
        rows, next_cursor = await review_queue(db, principal.project_id, query, limit, cursor)
    except BadCursor as exc:
        raise field_error(["query", "cursor"], str(exc), "value_error") from exc
    found = await thumbs_of(db, principal.project_id, [row.session_id for row in rows])
    thumbs = {sid: Thumbs(up=t.up, down=t.down) for sid, t in found.items()}
    return QueuePage(
        prompt=prompt,
        reviewer=principal.key_name,
        items=[_item(row, thumbs) for row in rows],
        next_cursor=next_cursor,
    )


@router.get("/review/item/{session_id}")
async def read_review_item(
    session_id: SessionIdPath, db: Db, state: State, principal: Reader, prompt: PromptQuery = None
) -> ReviewItemOut:
    """One session with everything a reviewer needs; the transcript is rendered as the
    project's current prompt version is shown it."""
    row = await get_session(db, principal.project_id, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r} in this project")
    current = await current_prompt(db, principal.project_id, state.settings.prompt)
    prompt = prompt or current
    bundle = await session_bundle(db, state, row, current)
    reasons = await queue_reasons(
        db, principal.project_id, prompt, state.settings.review_low_confidence, row.pk
    )
    return ReviewItemOut(**dict(bundle), prompt=prompt, reasons=reasons)
