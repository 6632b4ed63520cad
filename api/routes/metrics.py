"""``GET /metrics``: the Prometheus text exposition of ``workers.metrics``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import Db, app_state
from api.state import AppState
from workers.metrics import refresh_gauges

router = APIRouter(tags=["ops"])
State = Annotated[AppState, Depends(app_state)]


@router.get("/metrics", response_class=Response)
async def metrics(db: Db, state: State) -> Response:
    """Prometheus metrics (no key needed, like ``/healthz``)."""
    await refresh_gauges(db, state.queue)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
