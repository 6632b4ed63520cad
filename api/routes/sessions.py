"""Submitting and reading sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.deps import Db, Ingest, Reader, app_state
from api.errors import ERROR_RESPONSES, NotFound, ServiceError, field_error
from api.params import SessionIdPath, Text, TimeFrom, TimeTo
from api.payload import parse_batch, parse_session, read_json
from api.schemas import (
    BatchResult,
    EventsOut,
    IngestResult,
    SessionOut,
    SessionPage,
    VerdictOut,
)
from api.state import AppState
from store.ingest import IngestOutcome, PreparedSession, ingest, prepare
from store.session_queries import BadCursor, SessionFilter, get_events, get_session, list_sessions
from store.verdicts import session_verdicts
from workers.metrics import SESSIONS_INGESTED
from workers.sweep import enqueue_sessions

router = APIRouter(prefix="/v1", tags=["sessions"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]

_CODES = {"created": 201, "duplicate": 200, "replaced": 200, "conflict": 409}


def _body(schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _result(outcome: IngestOutcome) -> IngestResult:
    if outcome.status != "conflict":
        return IngestResult(
            session_id=outcome.session_id, status=outcome.status, status_code=_CODES[outcome.status]
        )
    return IngestResult(
        session_id=outcome.session_id,
        status="conflict",
        status_code=409,
        error="Conflict",
        detail="different content under a known session_id; ?replace=true replaces it",
    )


async def _commit_and_enqueue(
    db: DbSession, state: AppState, outcomes: list[IngestOutcome]
) -> None:
    """Jobs go out only after the rows they refer to are committed (the outbox)."""
    await db.commit()
    fresh = [o.pk for o in outcomes if o.status in ("created", "replaced") and o.pk is not None]
    await enqueue_sessions(state.jobs, fresh, stored_as_queued=True)


def _rejected(exc: ServiceError) -> IngestResult:
    return IngestResult(
        session_id=None,
        status="rejected",
        status_code=exc.status_code,
        error=exc.error,
        detail=exc.detail,
    )


@router.post(
    "/sessions",
    status_code=201,
    openapi_extra=_body("Session"),
    responses={200: {"model": IngestResult}, 409: {"model": IngestResult}},
)
async def submit_session(
    request: Request,
    response: Response,
    state: State,
    db: Db,
    principal: Ingest,
    replace: bool = False,
) -> IngestResult:
    """Store one closed session: 201 created, 200 duplicate (or replaced), 409 conflict."""
    doc = await read_json(request, state.settings.max_body_bytes)
    session = parse_session(doc, state.settings, ["body"])
    [outcome] = await ingest(
        db,
        principal.project_id,
        [prepare(session, state.thresholds)],
        replace=replace,
        judge_status="queued",
    )
    await _commit_and_enqueue(db, state, [outcome])
    result = _result(outcome)
    SESSIONS_INGESTED.labels(result.status).inc()
    response.status_code = result.status_code
    return result


@router.post("/sessions:batch", openapi_extra=_body("Batch"))
async def submit_batch(
    request: Request, state: State, db: Db, principal: Ingest, replace: bool = False
) -> BatchResult:
    """Store up to 500 sessions; every item answers on its own."""
    doc = await read_json(request, state.settings.max_batch_bytes)
    parsed = parse_batch(doc, state.settings)
    prepared: list[PreparedSession] = [
        prepare(p, state.thresholds) for p in parsed if not isinstance(p, ServiceError)
    ]
    outcomes = await ingest(
        db, principal.project_id, prepared, replace=replace, judge_status="queued"
    )
    await _commit_and_enqueue(db, state, outcomes)
    stored = iter(outcomes)
    items = [_rejected(p) if isinstance(p, ServiceError) else _result(next(stored)) for p in parsed]
    counts = {s: sum(1 for i in items if i.status == s) for s in _CODES.keys() | {"rejected"}}
    for status, count in counts.items():
        SESSIONS_INGESTED.labels(status).inc(count)
    return BatchResult(
        items=items,
        created=counts["created"],
        duplicates=counts["duplicate"],
        replaced=counts["replaced"],
        conflicts=counts["conflict"],
        rejected=counts["rejected"],
    )


@router.get("/sessions")
async def list_session_page(
    db: Db,
    principal: Reader,
    time_from: TimeFrom = None,
    time_to: TimeTo = None,
    source: Text | None = None,
    model: Text | None = None,
    end_reason: Text | None = None,
    stuck: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Text | None = None,
) -> SessionPage:
    """Sessions newest first, filtered; follow ``next_cursor`` for the next page."""
    filters = SessionFilter(time_from, time_to, source, model, end_reason, stuck)
    try:
        rows, next_cursor = await list_sessions(db, principal.project_id, filters, limit, cursor)
    except BadCursor as exc:
        raise field_error(["query", "cursor"], str(exc), "value_error") from exc
    return SessionPage(items=[SessionOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/sessions/{session_id}")
async def read_session(session_id: SessionIdPath, db: Db, principal: Reader) -> SessionOut:
    row = await get_session(db, principal.project_id, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r} in this project")
    verdicts = await session_verdicts(db, principal.project_id, row.pk)
    return SessionOut.of(row).model_copy(
        update={"verdicts": [VerdictOut.of(v, session_id) for v in verdicts]}
    )


@router.get("/sessions/{session_id}/events")
async def read_events(session_id: SessionIdPath, db: Db, principal: Reader) -> EventsOut:
    row = await get_session(db, principal.project_id, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r} in this project")
    events = await get_events(db, principal.project_id, row.pk)
    return EventsOut(session_id=session_id, events=events)
