"""Reprocessing runs: creation, their items, progress counts, and the finishing sweep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import Run, RunItem, SessionRow
from store.session_queries import SessionFilter


@dataclass(frozen=True, slots=True)
class RunCounts:
    total: int = 0
    queued: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def session_filter(doc: dict[str, Any]) -> SessionFilter:
    def when(key: str) -> datetime | None:
        value = doc.get(key)
        return datetime.fromisoformat(value) if value else None

    return SessionFilter(
        time_from=when("from"),
        time_to=when("to"),
        source=doc.get("source"),
        model=doc.get("model"),
        end_reason=doc.get("end_reason"),
        stuck=doc.get("stuck"),
    )


def matching_sessions(project_id: int, filters: SessionFilter) -> Any:
    return filters.apply(select(SessionRow.pk).where(SessionRow.project_id == project_id))


async def count_matching(db: DbSession, project_id: int, filters: SessionFilter) -> int:
    subquery = matching_sessions(project_id, filters).subquery()
    return int(await db.scalar(select(func.count()).select_from(subquery)) or 0)


async def create_run(
    db: DbSession, project_id: int, prompt: str, filter_doc: dict[str, Any], force: bool, by: str
) -> Run:
    run = Run(
        project_id=project_id,
        prompt=prompt,
        filter=filter_doc,
        force=force,
        status="queued",
        created_by=by,
        created_at=datetime.now(UTC),
    )
    db.add(run)
    await db.flush()
    return run


async def get_run(db: DbSession, project_id: int, run_id: int) -> Run | None:
    return await db.scalar(select(Run).where(Run.id == run_id, Run.project_id == project_id))


async def add_items(db: DbSession, run: Run) -> list[int]:
    """Record every matching session as a queued item of the run; answer their pks."""
    pks = list(await db.scalars(matching_sessions(run.project_id, session_filter(run.filter))))
    now = datetime.now(UTC)
    for start in range(0, len(pks), 5000):
        chunk = pks[start : start + 5000]
        await db.execute(
            insert(RunItem),
            [{"run_id": run.id, "session_pk": pk, "status": "queued", "updated_at": now}
             for pk in chunk],
        )  # fmt: skip
    run.status = "running" if pks else "done"
    if not pks:
        run.finished_at = now
    return pks


async def run_counts(db: DbSession, run_id: int) -> RunCounts:
    rows = await db.execute(
        select(
            RunItem.status,
            func.count(),
            func.coalesce(func.sum(RunItem.input_tokens), 0),
            func.coalesce(func.sum(RunItem.output_tokens), 0),
            func.coalesce(func.sum(RunItem.cost_usd), 0.0),
        )
        .where(RunItem.run_id == run_id)
        .group_by(RunItem.status)
    )
    by_status: dict[str, int] = {}
    tokens_in = tokens_out = 0
    cost = 0.0
    for status, count, t_in, t_out, c in rows:
        by_status[status] = int(count)
        tokens_in, tokens_out, cost = tokens_in + int(t_in), tokens_out + int(t_out), cost + c
    return RunCounts(
        total=sum(by_status.values()),
        queued=by_status.get("queued", 0),
        done=by_status.get("done", 0),
        failed=by_status.get("failed", 0),
        skipped=by_status.get("skipped", 0),
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost_usd=cost,
    )


async def finish_runs(db: DbSession) -> int:
    """Mark running runs with nothing left queued as done; answer how many."""
    queued = exists().where(RunItem.run_id == Run.id, RunItem.status == "queued")
    result = await db.execute(
        update(Run)
        .where(Run.status == "running", ~queued)
        .values(status="done", finished_at=datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_run(db: DbSession, run: Run) -> None:
    if run.status in {"queued", "running"}:
        run.status = "cancelled"
        run.finished_at = datetime.now(UTC)
        await db.execute(
            update(RunItem)
            .where(RunItem.run_id == run.id, RunItem.status == "queued")
            .values(status="skipped", reason="run cancelled", updated_at=datetime.now(UTC))
        )


async def stale_items(db: DbSession, older_than: datetime, limit: int) -> Sequence[Any]:
    """Queued items of running runs untouched for a while: their job was lost."""
    rows = await db.execute(
        select(RunItem.run_id, RunItem.session_pk, Run.prompt)
        .join(Run, Run.id == RunItem.run_id)
        .where(RunItem.status == "queued", RunItem.updated_at < older_than, Run.status == "running")
        .limit(limit)
    )
    return rows.all()
