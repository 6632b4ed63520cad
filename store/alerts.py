"""Alerts: opening, updating and resolving them race-free, and reading them back.

Two evaluators may run at once (a cron on two workers, the CLI). ``active_key`` is unique
while an alert fires, so only one INSERT opens it; conditional UPDATEs with RETURNING
make exactly one evaluator escalate or resolve it, and only that one writes the
deliveries (which are unique per alert, event and target besides). Each of these is one
statement for every alert an evaluation changes, however many (a storm opens hundreds).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.alert_counts import CallGroup
from store.models import Alert, AlertDelivery

FIRING, RESOLVED = "firing", "resolved"


def active_key(objective: str, group: CallGroup) -> str:
    """The identity of a firing alert: one objective and one group."""
    raw = json.dumps(
        [group.project_id, objective, group.provider, group.model, group.tool, group.gateway]
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def alert_group(alert: Alert) -> CallGroup:
    return CallGroup(alert.project_id, alert.provider, alert.model, alert.tool, alert.gateway)


def _dialect(db: DbSession) -> Any:
    return postgresql if db.get_bind().dialect.name == "postgresql" else sqlite


async def firing_alerts(db: DbSession, project_ids: Sequence[int]) -> list[Alert]:
    """Alerts firing in these projects (read through the unique index on ``active_key``)."""
    rows = await db.scalars(
        select(Alert).where(Alert.active_key.is_not(None), Alert.project_id.in_(project_ids))
    )
    return list(rows)


async def open_alerts(db: DbSession, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert firing alerts, one statement per thousand; ``{active_key: id}`` of those
    inserted (an alert another evaluator opened first is left out)."""
    if not rows:
        return {}
    stmt = (
        _dialect(db)
        .insert(Alert)
        .on_conflict_do_nothing(index_elements=["active_key"])
        .returning(Alert.active_key, Alert.id)
    )
    values = [{"status": FIRING, "resolved_at": None} | row for row in rows]
    return {key: alert_id for key, alert_id in await db.execute(stmt, values)}


def _still_firing(alert_ids: Sequence[int], now: datetime) -> Any:
    """The alerts fire and were last evaluated no later than ``now``: an evaluator whose
    clock is behind never changes what a later evaluation wrote."""
    return Alert.id.in_(alert_ids) & Alert.active_key.is_not(None) & (Alert.evaluated_at <= now)


async def refresh_alerts(db: DbSession, now: datetime, rates: dict[int, dict[str, float]]) -> None:
    """Record the burn rates of alerts still firing (``{alert id: rates}``), in one
    executemany."""
    if not rates:
        return
    table = cast(Table, Alert.__table__)
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("alert_id"),
            table.c.active_key.is_not(None),
            table.c.evaluated_at <= now,
        )
        .values(burn_rates=bindparam("rates"), evaluated_at=now)
    )
    await db.execute(stmt, [{"alert_id": i, "rates": r} for i, r in rates.items()])


async def escalate_alerts(db: DbSession, alert_ids: Sequence[int], now: datetime) -> set[int]:
    """Tickets to pages; the ids this evaluator escalated (each exactly once overall)."""
    if not alert_ids:
        return set()
    stmt = (
        update(Alert)
        .where(_still_firing(alert_ids, now), Alert.severity == "ticket")
        .values(severity="page")
        .returning(Alert.id)
    )
    return set(await db.scalars(stmt))


async def resolve_alerts(db: DbSession, now: datetime, budgets: dict[int, float]) -> set[int]:
    """Resolve firing alerts, recording their budget left (``{alert id: budget}``); the
    ids this evaluator resolved (each exactly once overall)."""
    if not budgets:
        return set()
    stmt = (
        update(Alert)
        .where(_still_firing(list(budgets), now))
        .values(
            status=RESOLVED,
            active_key=None,
            resolved_at=now,
            evaluated_at=now,
            budget_remaining=case(budgets, value=Alert.id),
        )
        .returning(Alert.id)
    )
    return set(await db.scalars(stmt))


async def add_deliveries(
    db: DbSession, events: Sequence[tuple[int, str]], targets: dict[str, str], now: datetime
) -> None:
    """One pending delivery per (alert id, event) and target (``{url: "json" | "slack"}``),
    never twice, in one executemany."""
    if not events or not targets:
        return
    rows = [
        {"alert_id": alert_id, "event": event, "target": url, "kind": kind,
         "status": "pending", "attempts": 0, "next_attempt_at": now}
        for alert_id, event in events
        for url, kind in targets.items()
    ]  # fmt: skip
    stmt = _dialect(db).insert(AlertDelivery)
    unique = ["alert_id", "event", "target"]
    await db.execute(stmt.on_conflict_do_nothing(index_elements=unique), rows)


async def list_alerts(
    db: DbSession,
    project_id: int,
    *,
    status: str | None,
    severity: str | None,
    limit: int,
    before: int | None,
) -> list[Alert]:
    """A project's alerts, newest first; ``before`` an alert id continues a page."""
    query = select(Alert).where(Alert.project_id == project_id)
    if status is not None:
        query = query.where(Alert.status == status)
    if severity is not None:
        query = query.where(Alert.severity == severity)
    if before is not None:
        query = query.where(Alert.id < before)
    return list(await db.scalars(query.order_by(Alert.id.desc()).limit(limit)))


async def firing_by_severity(db: DbSession) -> dict[str, int]:
    """How many alerts fire now, per severity, over every project (for ``/metrics``)."""
    rows = await db.execute(
        select(Alert.severity, func.count())
        .where(Alert.active_key.is_not(None))
        .group_by(Alert.severity)
    )
    return {severity: int(count) for severity, count in rows}
