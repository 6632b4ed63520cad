"""Burn-rate alerts: once a minute, open, escalate and resolve alerts, then send them.

An alert (one objective, one group) opens when any of its rows fires (both windows burn
at least the row's rate, ``rules.slo``), as a page only for a recommended model through
the gateway; it escalates from ticket to page when a page row fires later, and resolves
when no row fires any more. A mute keeps an alert from opening; an alert already open
when the mute starts runs its course. Opening, escalating and resolving each write one
delivery per configured webhook, sent by :func:`workers.alert_delivery.deliver_alerts`.

An evaluation is a handful of statements however many alerts change: the minute's count,
the alerts firing, the budgets of the alerts that open or resolve
(:mod:`workers.slo_budgets`), then one statement each to open, refresh, escalate and
resolve alerts and one to write their deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules.slo import SloConfig, SloConfigError, format_duration, load_slo_config
from store.alert_counts import CallGroup
from store.alerts import (
    active_key,
    add_deliveries,
    alert_group,
    escalate_alerts,
    firing_alerts,
    open_alerts,
    refresh_alerts,
    resolve_alerts,
)
from store.models import Alert
from workers.alert_delivery import DeliveryReport, deliver_alerts, webhook_targets
from workers.context import JobContext
from workers.slo_budgets import budgets_left, count_next_day
from workers.slo_status import GroupStatus, alerting_status, firing_rows, project_ids


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


Budgets = dict[tuple[str, CallGroup], float]
"""The budget left per (objective name, group)."""


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
    """One evaluation at ``now`` of every objective, for the given projects (default all):
    a handful of statements however many alerts change."""
    async with ctx.sessions() as db:
        ids = projects if projects is not None else await project_ids(db)
        minute = await alerting_status(db, config, now, ids)
        plan = _plan(minute.statuses, await firing_alerts(db, ids), now)
        wanted = [(s.objective.name, s.group) for s in plan.opening]
        wanted += [(a.objective, alert_group(a)) for a in plan.ending]
        budgets = await budgets_left(db, config, now, wanted, minute)
        changes = await _open(db, plan.opening, now, budgets)
        await refresh_alerts(db, now, {a.id: _burns(s, a.burn_rates) for a, s in plan.refreshing})
        changes += await _escalate(db, plan.refreshing, now)
        changes += await _resolve(db, plan.ending, now, budgets)
        events = [(c.alert_id, c.event) for c in changes]
        await add_deliveries(db, events, webhook_targets(ctx.settings), now)
        await db.commit()
    return changes


async def _open(
    db: DbSession, opening: list[GroupStatus], now: datetime, budgets: Budgets
) -> list[AlertChange]:
    """Open an alert per status; those another evaluator opened a moment ago are left out."""
    keyed = {active_key(s.objective.name, s.group): s for s in opening}
    rows = [_alert_row(key, s, now, budgets[s.objective.name, s.group]) for key, s in keyed.items()]
    opened = await open_alerts(db, rows)
    return [
        AlertChange("fired", opened[key], s.objective.name, s.group,
                    s.result.severity or "ticket", firing_rows(s.result))
        for key, s in keyed.items()
        if key in opened
    ]  # fmt: skip


def _alert_row(key: str, status: GroupStatus, now: datetime, budget: float) -> dict[str, Any]:
    group = status.group
    return {"project_id": group.project_id, "objective": status.objective.name,
            "provider": group.provider, "model": group.model, "tool": group.tool,
            "gateway": group.gateway, "severity": status.result.severity or "ticket",
            "burn_rates": _burns(status), "budget_remaining": budget, "active_key": key,
            "fired_at": now, "evaluated_at": now}  # fmt: skip


async def _escalate(
    db: DbSession, refreshing: list[tuple[Alert, GroupStatus]], now: datetime
) -> list[AlertChange]:
    """Tickets whose group now pages become pages (muted groups do not escalate)."""
    paging = [
        (a, s)
        for a, s in refreshing
        if a.severity == "ticket" and s.result.severity == "page" and not s.muted
    ]
    done = await escalate_alerts(db, [a.id for a, _ in paging], now)
    return [
        AlertChange("escalated", a.id, a.objective, s.group, "page", firing_rows(s.result))
        for a, s in paging
        if a.id in done
    ]


async def _resolve(
    db: DbSession, ending: list[Alert], now: datetime, budgets: Budgets
) -> list[AlertChange]:
    left = {a.id: budgets.get((a.objective, alert_group(a)), a.budget_remaining) for a in ending}
    done = await resolve_alerts(db, now, left)
    return [
        AlertChange("resolved", a.id, a.objective, alert_group(a), a.severity)
        for a in ending
        if a.id in done
    ]


async def run_alert_cycle(
    ctx: JobContext, config: SloConfig, now: datetime | None = None
) -> tuple[list[AlertChange], DeliveryReport]:
    """Evaluate, send what is due, then keep the budgets' days counted: the minute's work
    of the cron and the in-process loop."""
    now = now or datetime.now(UTC)
    changes = await evaluate_alerts(ctx, config, now)
    report = await deliver_alerts(ctx, now)
    await keep_days_counted(ctx, config, now)
    return changes, report


async def keep_days_counted(ctx: JobContext, config: SloConfig, now: datetime) -> None:
    """Count the next day the budgets' periods lack, or the oldest one, if any is due."""
    async with ctx.sessions() as db:
        await count_next_day(db, config, now, await project_ids(db))
        await db.commit()
