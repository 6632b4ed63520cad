"""Incremental sessions for any client: append event batches, then close.

Metrics and judging happen at close, exactly as for a session submitted whole; the judge
job is enqueued only after the stored session is committed (the outbox).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.deps import Db, Ingest, app_state
from api.errors import ERROR_RESPONSES, Conflict, NotFound, PayloadTooLarge
from api.incremental import APPEND_BODY, AppendResult, CloseRequest, parse_append
from api.params import SessionIdPath
from api.payload import read_json
from api.schemas import SessionOut
from api.state import AppState
from store.close_open import Closing, close_open
from store.ingest import IngestOutcome
from store.open_sessions import append
from store.session_queries import get_session
from workers.sweep import enqueue_sessions

router = APIRouter(prefix="/v1", tags=["incremental"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]


async def commit_and_enqueue(db: DbSession, state: AppState, outcomes: list[IngestOutcome]) -> None:
    """Judge jobs go out only after the sessions they refer to are committed."""
    await db.commit()
    fresh = [o.pk for o in outcomes if o.status == "created" and o.pk is not None]
    await enqueue_sessions(state.jobs, fresh)


@router.post("/sessions/{session_id}/events", openapi_extra=APPEND_BODY)
async def append_events(
    session_id: SessionIdPath, request: Request, state: State, db: Db, principal: Ingest
) -> AppendResult:
    """Append events to an open session (opened on first use); idempotent per event id."""
    settings = state.settings
    batch = parse_append(session_id, await read_json(request, settings.max_body_bytes), settings)
    [outcome] = await append(
        db, principal.project_id, [batch], max_events=settings.max_events, now=datetime.now(UTC)
    )
    if outcome.status == "closed":
        raise Conflict(f"session {session_id!r} is closed; it takes no more events")
    if outcome.status == "too_many":
        raise PayloadTooLarge(
            f"{outcome.event_count} + {len(batch.events)} events; "
            f"at most {settings.max_events} per session"
        )
    await db.commit()
    return AppendResult(
        session_id=session_id,
        appended=outcome.appended,
        duplicates=outcome.duplicates,
        event_count=outcome.event_count,
    )


@router.post(
    "/sessions/{session_id}/close", status_code=201, responses={200: {"model": SessionOut}}
)
async def close_session(
    session_id: SessionIdPath,
    response: Response,
    state: State,
    db: Db,
    principal: Ingest,
    body: CloseRequest | None = None,
) -> SessionOut:
    """Close and store the session: 201 with the stored session, 200 if already closed."""
    body = body or CloseRequest()
    closing = Closing(session_id, body.end_reason, body.ended_at)
    outcomes = await close_open(db, principal.project_id, [closing], thresholds=state.thresholds)
    await commit_and_enqueue(db, state, outcomes)
    if outcomes and outcomes[0].status == "conflict":
        raise Conflict(f"another session is stored under {session_id!r}; the open one is dropped")
    row = await get_session(db, principal.project_id, session_id)
    if row is None:
        raise NotFound(f"no open or stored session {session_id!r} in this project")
    response.status_code = 201 if outcomes and outcomes[0].status == "created" else 200
    return SessionOut.of(row)
