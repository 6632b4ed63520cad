"""Sending the webhook outbox: each pending delivery POSTed once, retried with backoff.

A delivery is claimed (committed) before it is sent and marked sent after, so two
workers never send the same one; a worker that dies between the send and the mark
leaves it to be sent again after its lease — receivers can drop repeats by the
``X-Session-Judge-Delivery`` header (the delivery id).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx

from store.alert_deliveries import (
    Failure,
    claim_deliveries,
    deliveries_with_alerts,
    due_deliveries,
    mark_failed,
    mark_sent,
)
from store.models import Alert, AlertDelivery
from store.settings import Settings
from workers.alert_messages import AlertDoc, Event, json_body, slack_body
from workers.context import JobContext
from workers.metrics import ALERT_DELIVERIES

BATCH = 100


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def webhook_targets(settings: Settings) -> dict[str, str]:
    """Every configured target and its kind: ``{url: "json" | "slack"}``."""
    return dict.fromkeys(settings.alert_webhooks, "json") | dict.fromkeys(
        settings.alert_slack_webhooks, "slack"
    )


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: the base, doubled each time, capped."""
    seconds = settings.alert_delivery_backoff_seconds * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.alert_delivery_backoff_max_seconds))


async def deliver_alerts(ctx: JobContext, now: datetime | None = None) -> DeliveryReport:
    """Send the due deliveries to the targets this process is configured with."""
    now = now or datetime.now(UTC)
    settings = ctx.settings
    lease = timedelta(seconds=settings.alert_delivery_timeout_seconds + 60)
    async with ctx.sessions() as db:
        due = await due_deliveries(db, now, list(webhook_targets(settings)), BATCH)
        claimed = await claim_deliveries(db, due, now, now + lease)
        await db.commit()
        work = await deliveries_with_alerts(db, claimed)
    if not work:
        return DeliveryReport()
    timeout = httpx.Timeout(settings.alert_delivery_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout) as client:
        errors = await asyncio.gather(*(_send(client, *item) for item in work))
    return await _record(ctx, now, [(d, e) for (d, _, _), e in zip(work, errors, strict=True)])


async def _send(
    client: httpx.AsyncClient, delivery: AlertDelivery, alert: Alert, project: str
) -> str | None:
    """POST one delivery; the error, or None when the receiver took it (2xx)."""
    event = cast(Event, delivery.event)
    doc = AlertDoc.of(alert, project)
    body: dict[str, Any] = (
        slack_body(event, doc) if delivery.kind == "slack" else json_body(delivery.id, event, doc)
    )
    headers = {"X-Session-Judge-Delivery": str(delivery.id), "X-Session-Judge-Event": event}
    try:
        response = await client.post(delivery.target, json=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.is_success:
        return None
    return f"HTTP {response.status_code}: {response.text[:500]}"


async def _record(
    ctx: JobContext, now: datetime, results: list[tuple[AlertDelivery, str | None]]
) -> DeliveryReport:
    settings = ctx.settings
    sent = [delivery.id for delivery, error in results if error is None]
    failures = [
        Failure(delivery.id, error, _retry_at(settings, now, delivery.attempts))
        for delivery, error in results
        if error is not None
    ]
    async with ctx.sessions() as db:
        await mark_sent(db, sent, now)
        await mark_failed(db, failures)
        await db.commit()
    failed = sum(f.retry_at is None for f in failures)
    report = DeliveryReport(len(sent), len(failures) - failed, failed)
    for outcome, count in (("sent", report.sent), ("retrying", report.retrying),
                           ("failed", report.failed)):  # fmt: skip
        ALERT_DELIVERIES.labels(outcome).inc(count)
    return report


def _retry_at(settings: Settings, now: datetime, attempts: int) -> datetime | None:
    """When a delivery that failed its ``attempts``-th attempt is due again; None once
    that was the last attempt."""
    if attempts >= settings.alert_delivery_max_attempts:
        return None
    return now + backoff(settings, attempts)
