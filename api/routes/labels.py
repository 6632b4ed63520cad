"""Human labels of sessions (append-only, the latest per reviewer counts) and their export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.deps import Db, Reader, app_state, require
from api.errors import ERROR_RESPONSES, NotFound, field_error
from api.label_export import export_lines
from api.params import SessionIdPath
from api.review_schemas import LabelIn, LabelOut, LabelsOut
from api.state import AppState
from store.keys import Principal
from store.labels import add_label, label_history, latest_per_reviewer, verdict_belongs
from store.models import SessionRow
from store.session_queries import get_session

router = APIRouter(prefix="/v1", tags=["labels"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]
Reviewer = Annotated[Principal, Depends(require("review"))]


async def _session_or_404(db: Db, project_id: int, session_id: str) -> SessionRow:
    row = await get_session(db, project_id, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r} in this project")
    return row


@router.post("/sessions/{session_id}/labels", status_code=201)
async def label_session(
    session_id: SessionIdPath, body: LabelIn, db: Db, principal: Reviewer
) -> LabelOut:
    """Add the caller's label (the reviewer is the key's name); earlier labels are kept."""
    row = await _session_or_404(db, principal.project_id, session_id)
    if body.verdict_id is not None and not await verdict_belongs(
        db, principal.project_id, row.pk, body.verdict_id
    ):
        raise field_error(["body", "verdict_id"], "not a verdict of this session", "value_error")
    label = await add_label(
        db, principal.project_id, row.pk, principal.key_name,
        termination=body.termination, helpfulness=body.helpfulness,
        note=body.note, verdict_id=body.verdict_id,
    )  # fmt: skip
    return LabelOut.of(label, session_id)


@router.get("/sessions/{session_id}/labels")
async def read_labels(session_id: SessionIdPath, db: Db, principal: Reader) -> LabelsOut:
    row = await _session_or_404(db, principal.project_id, session_id)
    history = await label_history(db, principal.project_id, row.pk)
    return LabelsOut(
        session_id=session_id,
        latest=[LabelOut.of(label, session_id) for label in latest_per_reviewer(history)],
        history=[LabelOut.of(label, session_id) for label in history],
    )


@router.get(
    "/labels/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON lines"}},
)
async def export_labels(state: State, principal: Reader) -> StreamingResponse:
    """One JSON line per labelled session: the session, its transcript as the judge saw it
    (with the current prompt version), the current verdicts, feedback and labels."""
    return StreamingResponse(
        export_lines(state, principal.project_id), media_type="application/x-ndjson"
    )
