"""The webhook outbox: due deliveries, claiming them, and recording how a send went.

A claim is one ``UPDATE … WHERE status = 'pending' AND next_attempt_at <= now RETURNING``
that also pushes ``next_attempt_at`` past the send's deadline (a lease): of two workers
that saw the same due row, only the first to commit gets it back, and a worker that died
mid-send leaves a row that becomes due again when its lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import Alert, AlertDelivery, Project


async def due_deliveries(
    db: DbSession, now: datetime, targets: Sequence[str], limit: int
) -> list[int]:
    """Pending deliveries to these targets whose time has come, oldest first."""
    if not targets:
        return []
    rows = await db.scalars(
        select(AlertDelivery.id)
        .where(
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
            AlertDelivery.target.in_(targets),
        )
        .order_by(AlertDelivery.id)
        .limit(limit)
    )
    return list(rows)


async def claim_deliveries(
    db: DbSession, ids: Sequence[int], now: datetime, lease_until: datetime
) -> list[int]:
    """Take the deliveries nobody else took: count the attempt and hold them until
    ``lease_until``. Commit before sending."""
    if not ids:
        return []
    rows = await db.scalars(
        update(AlertDelivery)
        .where(
            AlertDelivery.id.in_(ids),
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
        )
        .values(attempts=AlertDelivery.attempts + 1, next_attempt_at=lease_until)
        .returning(AlertDelivery.id)
    )
    return sorted(rows)


async def deliveries_with_alerts(
    db: DbSession, ids: Sequence[int]
) -> list[tuple[AlertDelivery, Alert, str]]:
    """The deliveries, each with its alert and the alert's project name."""
    rows = await db.execute(
        select(AlertDelivery, Alert, Project.name)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .join(Project, Project.id == Alert.project_id)
        .where(AlertDelivery.id.in_(ids))
        .order_by(AlertDelivery.id)
    )
    return [(delivery, alert, name) for delivery, alert, name in rows]


async def mark_sent(db: DbSession, delivery_ids: Sequence[int], now: datetime) -> None:
    if not delivery_ids:
        return
    await db.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id.in_(delivery_ids), AlertDelivery.status == "pending")
        .values(status="sent", sent_at=now, last_error=None)
    )


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed attempt: due again at ``retry_at``, or given up (``failed``) when None."""

    delivery_id: int
    error: str
    retry_at: datetime | None


async def mark_failed(db: DbSession, failures: Sequence[Failure]) -> None:
    """Record failed attempts, one executemany for those to retry and one for those given
    up."""
    table = cast(Table, AlertDelivery.__table__)
    pending = update(table).where(
        table.c.id == bindparam("delivery_id"), table.c.status == "pending"
    )
    retrying = [f for f in failures if f.retry_at is not None]
    given_up = [f for f in failures if f.retry_at is None]
    if retrying:
        stmt = pending.values(last_error=bindparam("error"), next_attempt_at=bindparam("retry"))
        await db.execute(stmt, [_params(f) | {"retry": f.retry_at} for f in retrying])
    if given_up:
        stmt = pending.values(last_error=bindparam("error"), status="failed")
        await db.execute(stmt, [_params(f) for f in given_up])


def _params(failure: Failure) -> dict[str, object]:
    return {"delivery_id": failure.delivery_id, "error": failure.error[:2000]}
