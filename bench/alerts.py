"""One alert evaluation cycle (every SLO of every project, then the webhook outbox) over a
big ``llm_calls`` table, and the EXPLAIN plans it relies on.

    .venv/bin/python bench/alerts.py [ROWS] [--keep NAME]
        ROWS defaults to 10,000,000 (about 3 min to load). With --keep the calls are loaded
        once into database NAME, kept, and each run works on a fresh copy of it.

ROWS calls over 90 days in 5 projects (8 models, 6 tools, gateway or not; 0.05 % fail,
1 % slower than 30 s), generated in Postgres with ``INSERT … SELECT generate_series``;
the last 15 minutes of one recommended model's calls in project 1 all fail, so the first
cycle opens alerts. Then a storm: 2 % of every group's calls in the last 6 hours fail,
which opens an alert for nearly every group at once. Alerts go to two webhooks (JSON and
Slack) answered by a receiver in a process of its own. Before the cycles, every day of
the 30-day period is counted once (``store.slo_days``), as an evaluator that has run for
a month has them. Target: every cycle under 1 s, the storm's first included.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from bench.common import PG_ADMIN, scratch_database
from rules.slo import SloConfig
from store.alert_counts import CountPlan, counts_query
from store.analytics import tune
from store.migrate import upgrade
from store.models import LlmCall
from store.settings import Settings
from store.slo_days import DAY, counted_span, day_counts_query
from tests.webhook_receiver import serve_receiver
from workers.alert_delivery import deliver_alerts, webhook_targets
from workers.alerts import (
    AlertChange,
    evaluate_alerts,
    keep_days_counted,
    load_slo,
    run_alert_cycle,
)
from workers.context import JobContext, build_context
from workers.slo_budgets import count_next_day
from workers.slo_status import full_status, project_ids, without_period

PROJECTS = 5
CHUNK = 1_000_000
SEED = """
INSERT INTO projects (id, name, created_at)
    SELECT g, 'bench-' || g, now() FROM generate_series(1, {n}) g;
INSERT INTO sessions (project_id, session_id, content_hash, occurred_at, attributes,
    event_count, stuck, metrics, judge_status, status_changed_at, received_at, updated_at)
    SELECT g, 's', 'h', now(), '{{}}', 0, false, '{{}}', 'judged', now(), now(), now()
    FROM generate_series(1, {n}) g;
"""
CALLS = """
INSERT INTO llm_calls (project_id, session_pk, seq, ts, provider, model, tool, gateway,
    latency_ms, ttft_ms, ok, input_tokens, output_tokens, cache_read_tokens, cost_usd)
SELECT 1 + i % {projects}, 1 + i % {projects}, i,
    '{end}'::timestamptz - interval '90 days' + (i * 7776000.0 / {rows}) * interval '1 second',
    (ARRAY['anthropic','openai','google','mistral'])[1 + (i % 8) / 2],
    (ARRAY['claude-sonnet-4','claude-haiku-4','gpt-5','gpt-5-mini','gemini-2.5-pro',
           'gemini-2.5-flash','mistral-large','codestral'])[1 + i % 8],
    (ARRAY['chat','autocomplete','edit','commit_message','review','agent'])[1 + (i / 8) % 6],
    (i % 3) <> 0,
    CASE WHEN random() < 0.01 THEN 35000 ELSE random() * 8000 END, random() * 2000,
    random() > 0.0005, 1000, 100, 0, 0.01
FROM generate_series({lo}, {hi}) AS i
"""
STORM = """
UPDATE llm_calls SET ok = false
WHERE ts > '{end}'::timestamptz - interval '6 hours' AND random() < 0.02
"""
OUTAGE = """
UPDATE llm_calls SET ok = false, error_type = 'overloaded'
WHERE project_id = 1 AND model = 'gpt-5' AND tool = 'chat'
  AND ts > '{end}'::timestamptz - interval '15 minutes'
"""


async def load_calls(ctx: JobContext, rows: int, end: datetime) -> None:
    started = time.perf_counter()
    async with ctx.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        await pg.execute(SEED.format(n=PROJECTS))
        for lo in range(1, rows + 1, CHUNK):
            hi = min(rows, lo + CHUNK - 1)
            sql = CALLS.format(projects=PROJECTS, end=end.isoformat(), rows=rows, lo=lo, hi=hi)
            await pg.execute(sql)
        await pg.execute(OUTAGE.format(end=end.isoformat()))
        await pg.execute("VACUUM ANALYZE llm_calls")
    took = time.perf_counter() - started
    print(f"llm_calls: {rows:,} over 90 days in {PROJECTS} projects, loaded in {took:.0f} s")


async def explain(db: DbSession, title: str, query: Select[Any]) -> None:
    await tune(db)  # as count_calls does
    sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    plan = await db.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
    print(f"\n-- {title}")
    for (line,) in plan:
        print(line)


async def timed(run: Awaitable[object]) -> float:
    started = time.perf_counter()
    await run
    return time.perf_counter() - started


async def cycles(
    label: str, ctx: JobContext, config: SloConfig, start: datetime
) -> list[AlertChange]:
    """A first cycle at ``start`` (it opens alerts), step by step as ``run_alert_cycle``
    takes them, then five steady cycles a minute apart."""
    began = time.perf_counter()
    changes = await evaluate_alerts(ctx, config, start)
    evaluated = time.perf_counter()
    report = await deliver_alerts(ctx, start)
    sent = time.perf_counter()
    await keep_days_counted(ctx, config, start)
    first = [evaluated - began, sent - evaluated, time.perf_counter() - sent]
    steady = [
        await timed(run_alert_cycle(ctx, config, start + timedelta(minutes=k))) for k in range(1, 6)
    ]
    ms = [round(s * 1000) for s in steady]
    opened = sum(c.event == "fired" for c in changes)
    written = len(changes) * len(webhook_targets(ctx.settings))
    step = " + ".join(f"{s * 1000:.0f}" for s in first)
    print(f"| {label}: first cycle, opens {opened} alerts, writes {written} deliveries "
          f"(evaluate + send {report.sent} + count a day) | {sum(first) * 1000:.0f} ms "
          f"({step}) |")  # fmt: skip
    print(f"| {label}: steady cycle, median of 5 (min–max) | {statistics.median(ms):.0f} ms "
          f"({min(ms)}–{max(ms)}) |")  # fmt: skip
    return changes


async def count_days(ctx: JobContext, config: SloConfig, end: datetime) -> None:
    """Count every day of the period, as an evaluator running for a month has (it then
    counts one day a day)."""
    started = time.perf_counter()
    counted = 0
    async with ctx.sessions() as db:
        ids = await project_ids(db)
        while await count_next_day(db, config, end, ids) is not None:
            counted += 1
        await db.commit()
    took = time.perf_counter() - started
    print(f"| counting the {counted} days of the 30-day period once (`slo_day_counts`) "
          f"| {took:.1f} s |")  # fmt: skip


async def slos(ctx: JobContext, config: SloConfig, end: datetime) -> None:
    async with ctx.sessions() as db:
        runs = [await timed(full_status(db, config, end, 1)) for _ in range(3)]
    print(f"| GET /v1/slos count, one project, median of 3 | "
          f"{statistics.median(runs) * 1000:.0f} ms |")  # fmt: skip


async def storm(ctx: JobContext, end: datetime) -> None:
    async with ctx.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.execute(STORM.format(end=end.isoformat()))


async def plans(ctx: JobContext, config: SloConfig, end: datetime) -> None:
    """The queries of a storm's first cycle, and of counting a day."""
    first, tail_start = counted_span(config, end)
    alerting = CountPlan.of([without_period(o) for o in config.objectives])
    thresholds = alerting.thresholds
    head = CountPlan((first - (end - max(o.period for o in config.objectives)),), thresholds)
    async with ctx.sessions() as db:
        ids = await project_ids(db)
        await explain(db, "the minute's count: alert windows and the tail, every project",
                      counts_query(alerting.with_window(end - tail_start), end, ids))  # fmt: skip
        await explain(db, "the period's counted days, every project",
                      day_counts_query(ids, first, tail_start))  # fmt: skip
        await explain(db, "the period's calls before its first counted day, every project",
                      counts_query(head, first, ids))  # fmt: skip
        await explain(db, "counting one day, every project (once a day)",
                      counts_query(CountPlan((DAY,), thresholds), first, ids))  # fmt: skip
        await explain(db, "GET /v1/slos: every window, one project",
                      counts_query(CountPlan.of(config.objectives), end, [1]))  # fmt: skip


def _receive(base: Queue[str]) -> None:
    async def serve() -> None:
        async with serve_receiver() as hooks:
            base.put(hooks.base)
            await asyncio.Event().wait()

    asyncio.run(serve())


@contextmanager
def receiver() -> Iterator[str]:
    """A webhook receiver in a process of its own, as a real one would be; its base URL."""
    spawn = multiprocessing.get_context("spawn")
    base: Queue[str] = spawn.Queue()
    process = spawn.Process(target=_receive, args=(base,), daemon=True)
    process.start()
    try:
        yield base.get(timeout=30)
    finally:
        process.terminate()
        process.join()


async def run(url: str, rows: int | None) -> None:
    """Load ``rows`` calls first, or (None) use the calls already there. Two webhooks
    (JSON and Slack) answer on a local receiver."""
    with receiver() as hooks:
        settings = Settings(database_url=url, alert_webhooks=[f"{hooks}/json"],
                            alert_slack_webhooks=[f"{hooks}/slack"])  # fmt: skip
        config = load_slo(settings.slo_file)
        ctx = await build_context(settings)
        try:
            if rows is None:
                end = await last_call(ctx)
            else:
                end = datetime.now(UTC).replace(microsecond=0)
                await load_calls(ctx, rows, end)
            print("| measure | figure |")
            print("| --- | --- |")
            await count_days(ctx, config, end)
            await cycles("quiet, one outage", ctx, config, end)
            await slos(ctx, config, end)
            await storm(ctx, end)
            await cycles("storm", ctx, config, end + timedelta(minutes=10))
            await plans(ctx, config, end)
        finally:
            await ctx.close()


async def last_call(ctx: JobContext) -> datetime:
    """The end of the loaded calls: the last one is at ``end`` exactly."""
    async with ctx.sessions() as db:
        end = await db.scalar(select(func.max(LlmCall.ts)))
    assert end is not None, "the kept database holds no calls"
    return end


async def load_only(url: str, rows: int) -> None:
    ctx = await build_context(Settings(database_url=url))
    try:
        await load_calls(ctx, rows, datetime.now(UTC).replace(microsecond=0))
    finally:
        await ctx.close()


async def admin(sql: str, *args: object) -> object:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def database_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name


@contextmanager
def kept_copy(keep: str, rows: int) -> Iterator[str]:
    """A scratch copy of database ``keep``, which is created and loaded first if missing
    (the load then takes its ``end`` from the clock; copies reuse it)."""
    if not asyncio.run(admin("SELECT 1 FROM pg_database WHERE datname = $1", keep)):
        asyncio.run(admin(f'CREATE DATABASE "{keep}"'))
        try:
            upgrade(database_url(keep))
            asyncio.run(load_only(database_url(keep), rows))
        except BaseException:
            asyncio.run(admin(f'DROP DATABASE "{keep}" WITH (FORCE)'))  # not half-loaded
            raise
    name = f"sj_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}" TEMPLATE "{keep}"'))
    try:
        upgrade(database_url(name))
        yield database_url(name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description="Time alert cycles over many calls.")
    parser.add_argument("rows", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--keep", metavar="NAME", help="load once into this database, kept")
    args = parser.parse_args()
    if args.keep is None:
        with scratch_database() as url:
            asyncio.run(run(url, args.rows))
    else:
        with kept_copy(args.keep, args.rows) as url:
            asyncio.run(run(url, None))


if __name__ == "__main__":
    main()
