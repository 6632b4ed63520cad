"""arq ``WorkerSettings`` for ``session-judge worker``: jobs, the once-a-minute sweep, the
once-a-minute alert evaluation and the once-a-minute llm rollup.

The cron jobs are ``unique``: arq runs each on one worker per minute however many run.
"""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron
from arq.connections import RedisSettings
from arq.worker import func

from store.settings import Settings
from workers.alerts import load_slo, run_alert_cycle
from workers.context import JobContext, build_context
from workers.judging import judge_session
from workers.llm_rollup import roll_up_calls
from workers.metrics import serve_worker_metrics
from workers.queue import ArqQueue
from workers.runs import start_run
from workers.sweep import sweep
from workers.trend_rollup import refresh_trends


def _sj(ctx: dict[str, Any]) -> JobContext:
    context: JobContext = ctx["sj"]
    return context


async def startup(ctx: dict[str, Any]) -> None:
    context = await build_context(ctx.get("settings") or Settings())
    context.queue = ArqQueue(ctx["redis"])
    ctx["sj"] = context
    ctx["slo"] = load_slo(context.settings.slo_file)
    serve_worker_metrics(context.settings.worker_metrics_port)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "sj" in ctx:
        await _sj(ctx).close()


async def judge_session_job(
    ctx: dict[str, Any], session_pk: int, prompt: str, run_id: int | None = None
) -> str:
    return await judge_session(_sj(ctx), session_pk, prompt, run_id)


async def start_run_job(ctx: dict[str, Any], run_id: int) -> str:
    return await start_run(_sj(ctx), run_id)


async def sweep_job(ctx: dict[str, Any]) -> dict[str, int]:
    return await sweep(_sj(ctx))


async def llm_rollup_job(ctx: dict[str, Any]) -> int:
    return await roll_up_calls(_sj(ctx))


async def trend_rollup_job(ctx: dict[str, Any]) -> int:
    return await refresh_trends(_sj(ctx))


async def alerts_job(ctx: dict[str, Any]) -> dict[str, int]:
    changes, delivered = await run_alert_cycle(_sj(ctx), ctx["slo"])
    return {"changes": len(changes), "sent": delivered.sent, "failed": delivered.failed}


def redis_settings(settings: Settings) -> RedisSettings:
    assert settings.redis_url, "SESSION_JUDGE_REDIS_URL is not set"
    return RedisSettings.from_dsn(settings.redis_url)


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        func(judge_session_job, name="judge_session"),
        func(start_run_job, name="start_run", timeout=3600),
    ]
    cron_jobs: ClassVar[list[Any]] = [
        cron(sweep_job, name="sweep", second={0}, unique=True, run_at_startup=True),
        cron(alerts_job, name="alerts", second={30}, unique=True),
        cron(llm_rollup_job, name="llm_rollup", second={15}, unique=True),
        cron(trend_rollup_job, name="trend_rollup", second={45}, unique=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    keep_result = 0
    job_timeout = 600
    max_tries = 3
