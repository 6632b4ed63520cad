"""``session-judge reprocess``: a run from the shell, with a progress bar."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import ArqRedis
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from api.state import in_process_queue
from store.models import Project
from store.runs import count_matching, create_run, finish_runs, get_run, run_counts, session_filter
from store.settings import Settings
from workers.context import build_context
from workers.queue import ArqQueue

console = Console()


async def reprocess(
    settings: Settings, project: str, prompt: str, filter_doc: dict[str, Any], *,
    dry_run: bool, force: bool,
) -> int:  # fmt: skip
    """Judge the project's matching sessions with ``prompt``; answer the run id (0 if dry)."""
    ctx = await build_context(settings)
    try:
        ctx.registry.get(prompt)
        async with ctx.sessions() as db:
            project_id = await db.scalar(select(Project.id).where(Project.name == project))
            if project_id is None:
                raise ValueError(f"no project {project!r}")
            total = await count_matching(db, project_id, session_filter(filter_doc))
            if dry_run:
                console.print(f"{total} sessions match; nothing judged (dry run)")
                return 0
            run = await create_run(db, project_id, prompt, filter_doc, force, "cli")
            await db.commit()
        if settings.redis_url:
            ctx.queue = ArqQueue(ArqRedis.from_url(settings.redis_url))
        else:
            ctx.queue = in_process_queue(ctx)
        await ctx.queue.enqueue_run(run.id)
        await _follow(ctx.sessions, project_id, run.id, total)
        await ctx.queue.close()
        return run.id
    finally:
        await ctx.close()


async def _follow(sessions: Any, project_id: int, run_id: int, total: int) -> None:
    columns = (TextColumn("run {task.fields[run]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[status]}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("judging", total=total, run=run_id, status="queued")
        while True:
            async with sessions() as db:
                await finish_runs(db)
                await db.commit()
                run = await get_run(db, project_id, run_id)
                counts = await run_counts(db, run_id)
            assert run is not None
            finished = counts.done + counts.failed + counts.skipped
            progress.update(task, completed=finished, status=run.status)
            if run.status in {"done", "cancelled", "failed"}:
                break
            await asyncio.sleep(0.5)
    console.print(
        f"run {run_id}: {run.status}; done {counts.done}, failed {counts.failed}, "
        f"skipped {counts.skipped}; tokens {counts.input_tokens}+{counts.output_tokens}, "
        f"cost ${counts.cost_usd:.4f}"
    )
