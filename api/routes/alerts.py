"""Burn-rate alerts (firing and history) and where each SLO stands right now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.alert_schemas import AlertPage, SloGroupOut, SloOut, SlosOut
from api.deps import Db, Reader, app_state
from api.errors import ERROR_RESPONSES
from api.state import AppState
from rules.slo import format_duration
from store.alerts import list_alerts
from store.models import Project
from workers.alert_messages import AlertDoc
from workers.slo_status import full_status

router = APIRouter(prefix="/v1", tags=["alerts"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]


@router.get("/alerts")
async def read_alerts(
    db: Db,
    principal: Reader,
    status: Literal["firing", "resolved"] | None = None,
    severity: Literal["page", "ticket"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> AlertPage:
    """The project's alerts, newest first: firing ones and the history."""
    rows = await list_alerts(
        db, principal.project_id, status=status, severity=severity, limit=limit, before=cursor
    )
    project = await db.get(Project, principal.project_id)
    name = project.name if project else ""
    return AlertPage(
        items=[AlertDoc.of(row, name) for row in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/slos")
async def read_slos(db: Db, state: State, principal: Reader) -> SlosOut:
    """Each objective per group now: bad and total calls, burn rate per window, budget
    left, and what would fire (computed for this request)."""
    now = datetime.now(UTC)
    statuses = await full_status(db, state.slo, now, principal.project_id)
    return SlosOut(
        evaluated_at=now,
        objectives=[
            SloOut(
                name=o.name,
                kind=o.kind,
                target=o.target,
                period=format_duration(o.period),
                latency_threshold_ms=o.latency_threshold_ms,
                groups=[SloGroupOut.of(s) for s in statuses if s.objective.name == o.name],
            )
            for o in state.slo.objectives
        ],
    )
