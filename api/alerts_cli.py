"""``session-judge alerts evaluate``: one evaluation and delivery cycle, now."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import select

from store.models import Project
from store.settings import Settings
from workers.alert_delivery import deliver_alerts
from workers.alerts import AlertChange, evaluate_alerts, load_slo
from workers.context import build_context


def describe(change: AlertChange) -> str:
    g = change.group
    where = f"{g.provider or '-'}/{g.model or '-'} tool={g.tool or '-'}"
    if g.gateway is not None:
        where += " gateway" if g.gateway else " direct"
    rows = f" (rows {', '.join(change.rows)})" if change.rows else ""
    return (
        f"{change.event:<9} #{change.alert_id} {change.severity:<6} {change.objective} "
        f"project={g.project_id} {where}{rows}"
    )


async def evaluate_now(settings: Settings, project: str | None, console: Console) -> None:
    """Evaluate every SLO (of one project, or all), send what is due, print the changes."""
    config = load_slo(settings.slo_file)
    ctx = await build_context(settings)
    try:
        projects = None
        if project is not None:
            async with ctx.sessions() as db:
                found = await db.scalar(select(Project.id).where(Project.name == project))
            if found is None:
                raise ValueError(f"no project named {project!r}")
            projects = [found]
        now = datetime.now(UTC)
        changes = await evaluate_alerts(ctx, config, now, projects)
        report = await deliver_alerts(ctx, now)
    finally:
        await ctx.close()
    for change in changes:
        console.print(describe(change), highlight=False)
    console.print(
        f"{len(changes)} change(s); deliveries sent {report.sent}, "
        f"retrying {report.retrying}, failed {report.failed}"
    )
