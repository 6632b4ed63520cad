"""Burn-rate alerts: once a minute, open, escalate and resolve alerts, then send them.

An alert (one objective, one group) opens when any of its rows fires (both windows burn
at least the row's rate, ``rules.slo``), as a page only for a recommended model through
the gateway; it escalates from ticket to page when a page row fires later, and resolves
when no row fires any more. A mute keeps an alert from opening; an alert already open
when the mute starts runs its course. Opening, escalating and resolving each write one
delivery per configured webhook, sent by :func:`workers.alert_delivery.deliver_alerts`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.slo import SloConfig, SloConfigError, format_duration, load_slo_config
from store.alert_counts import CallGroup
from store.alerts import (
    active_key,
    add_deliveries,
    alert_group,
    escalate_alert,
    firing_alerts,
    open_alert,
    refresh_alerts,
    resolve_alert,
)
from store.models import Alert
from workers.alert_delivery import DeliveryReport, deliver_alerts, webhook_targets
from workers.context import JobContext
from workers.slo_status import (
    GroupStatus,
    alerting_status,
    budgets_left,
    firing_rows,
    project_ids,
)

log = logging.getLogger(__name__)


def load_slo(path: Path) -> SloConfig:
    """Read the SLO file; a missing or invalid file is an error that names it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SloConfigError(f"cannot read the SLO file {path}: {exc.strerror}") from exc
    try:
        return load_slo_config(text)
    except SloConfigError as exc:
        raise SloConfigError(f"{path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class AlertChange:
    """What one evaluation did to one alert; ``rows`` are the alert rows firing."""

    event: str
    alert_id: int
    objective: str
    group: CallGroup
    severity: str
    rows: tuple[str, ...] = ()


def _burns(status: GroupStatus, seen: dict[str, float] | None = None) -> dict[str, float]:
    """Burn rates per window, keeping the highest seen so far."""
    now = {format_duration(w): round(b, 4) for w, b in status.result.burn_rates.items()}
    return {w: max(b, (seen or {}).get(w, 0.0)) for w, b in now.items()}


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to do with each alert: open, refresh (still firing) or resolve it."""

    opening: list[GroupStatus]
    refreshing: list[tuple[Alert, GroupStatus]]
    ending: list[Alert]


def _plan(statuses: list[GroupStatus], open_alerts: list[Alert], now: datetime) -> _Plan:
    """Alerts last evaluated after ``now`` (by an evaluator whose clock is ahead) are left
    alone; muted groups open nothing."""
    firing = {active_key(s.objective.name, s.group): s for s in statuses if s.result.firing}
    by_key = {a.active_key: a for a in open_alerts}
    current = [a for a in open_alerts if a.evaluated_at <= now]
    return _Plan(
        opening=[s for key, s in firing.items() if key not in by_key and not s.muted],
        refreshing=[(a, firing[a.active_key]) for a in current if a.active_key in firing],
        ending=[a for a in current if a.active_key not in firing],
    )


async def evaluate_alerts(
    ctx: JobContext, config: SloConfig, now: datetime, projects: list[int] | None = None
) -> list[AlertChange]:
    """One evaluation at ``now`` of every objective, for the given projects (default all)."""
    targets = webhook_targets(ctx.settings)
    async with ctx.sessions() as db:
        ids = projects if projects is not None else await project_ids(db)
        statuses = await alerting_status(db, config, now, ids)
        plan = _plan(statuses, await firing_alerts(db, ids), now)
        wanted = [(s.objective.name, s.group) for s in plan.opening]
        wanted += [(a.objective, alert_group(a)) for a in plan.ending]
        budgets = await budgets_left(db, config, now, wanted)
        changes = []
        for status in plan.opening:
            budget = budgets[status.objective.name, status.group]
            changes += await _open(db, status, now, budget, targets)
        rates = {a.id: _burns(s, a.burn_rates) for a, s in plan.refreshing}
        await refresh_alerts(db, now, rates)
        for alert, status in plan.refreshing:
            changes += await _escalate(db, alert, status, now, targets)
        for alert in plan.ending:
            budget = budgets.get((alert.objective, alert_group(alert)), alert.budget_remaining)
            changes += await _resolve(db, alert, now, budget, targets)
        await db.commit()
    return changes


async def _open(
    db: DbSession, status: GroupStatus, now: datetime, budget: float, targets: dict[str, str]
) -> list[AlertChange]:
    group, severity = status.group, status.result.severity or "ticket"
    alert_id = await open_alert(
        db,
        {"project_id": group.project_id, "objective": status.objective.name,
         "provider": group.provider, "model": group.model, "tool": group.tool,
         "gateway": group.gateway, "severity": severity, "burn_rates": _burns(status),
         "budget_remaining": budget, "active_key": active_key(status.objective.name, group),
         "fired_at": now, "evaluated_at": now},
    )  # fmt: skip
    if alert_id is None:
        return []  # another evaluator opened it a moment ago
    await add_deliveries(db, alert_id, "fired", targets, now)
    return [
        AlertChange(
            "fired", alert_id, status.objective.name, group, severity, firing_rows(status.result)
        )
    ]


async def _escalate(
    db: DbSession, alert: Alert, status: GroupStatus, now: datetime, targets: dict[str, str]
) -> list[AlertChange]:
    """A ticket whose group now pages becomes a page (muted groups do not escalate)."""
    paging = status.result.severity == "page" and not status.muted
    if alert.severity != "ticket" or not paging or not await escalate_alert(db, alert.id, now):
        return []
    await add_deliveries(db, alert.id, "escalated", targets, now)
    rows = firing_rows(status.result)
    return [AlertChange("escalated", alert.id, alert.objective, status.group, "page", rows)]


async def _resolve(
    db: DbSession, alert: Alert, now: datetime, budget: float, targets: dict[str, str]
) -> list[AlertChange]:
    if not await resolve_alert(db, alert.id, now, budget):
        return []
    await add_deliveries(db, alert.id, "resolved", targets, now)
    return [AlertChange("resolved", alert.id, alert.objective, alert_group(alert), alert.severity)]


async def run_alert_cycle(
    ctx: JobContext, config: SloConfig, now: datetime | None = None
) -> tuple[list[AlertChange], DeliveryReport]:
    """Evaluate, then send what is due: the minute's work of the cron and the CLI."""
    now = now or datetime.now(UTC)
    changes = await evaluate_alerts(ctx, config, now)
    return changes, await deliver_alerts(ctx, now)


async def alert_loop(ctx: JobContext, config: SloConfig, interval: float) -> None:
    """In-process mode: :func:`run_alert_cycle` every ``interval`` seconds, for ever."""
    while True:
        try:
            await run_alert_cycle(ctx, config)
        except Exception:
            log.exception("alert evaluation failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
