"""OpenTelemetry traces over OTLP/HTTP: ``POST /v1/otlp/v1/traces``.

Point an exporter's endpoint at ``<service>/v1/otlp`` (it appends ``/v1/traces``) with
the header ``Authorization: Bearer <ingest key>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api.deps import Db, Ingest, app_state
from api.errors import ERROR_RESPONSES, ServiceError
from api.formats.otlp import convert
from api.otlp.codec import JSON, PROTOBUF, answer, decode, failure, inflate, media_type, read_body
from api.otlp.gate import gate_of
from api.otlp.service import store_spans
from api.routes.incremental import commit_and_enqueue
from api.state import AppState

router = APIRouter(prefix="/v1", tags=["otlp"])
State = Annotated[AppState, Depends(app_state)]

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": {"type": "object", "description": "ExportTraceServiceRequest"}},
        },
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "ExportTraceServiceResponse (partialSuccess when spans were rejected)",
        "content": {PROTOBUF: {}, JSON: {}},
    },
    **{code: ERROR_RESPONSES[code] for code in (401, 403, 413)},
    400: {"description": "The body does not decode"},
    415: {"description": "Neither protobuf nor JSON, or not gzip"},
    503: {"description": "Busy: retry after the Retry-After header's seconds"},
}


@router.post("/otlp/v1/traces", openapi_extra=_BODY, responses=_RESPONSES, response_class=Response)
async def export_traces(request: Request, state: State, db: Db, principal: Ingest) -> Response:
    """Take OTLP trace spans; GenAI spans become events of open sessions (see README)."""
    settings = state.settings
    gate = gate_of(request, settings)
    media: str | None = None
    try:
        media = media_type(request.headers.get("content-type"))
        async with gate.admitted():
            body = await read_body(request, settings.max_body_bytes)
            async with gate.slot:
                plain = inflate(
                    body, request.headers.get("content-encoding"), settings.max_body_bytes
                )
                converted = convert(decode(plain, media))
                outcomes = await store_spans(
                    db, principal.project_id, converted, settings, state.thresholds
                )
                await commit_and_enqueue(db, state, outcomes)
    except ServiceError as exc:
        return failure(exc, media)
    return answer(converted.rejected, "; ".join(converted.errors[:5]), media)
