"""One alert evaluation cycle (every SLO of every project, then the webhook outbox) over a
big ``llm_calls`` table, and the EXPLAIN plans it relies on.

    .venv/bin/python bench/alerts.py [ROWS]     (default 10,000,000; about 3 min to load)

ROWS calls over 90 days in 5 projects (8 models, 6 tools, gateway or not; 0.05 % fail,
1 % slower than 30 s), generated in Postgres with ``INSERT … SELECT generate_series``;
the last 15 minutes of one recommended model's calls in project 1 all fail, so the first
cycle opens alerts. Then a storm: 2 % of every group's calls in the last 6 hours fail,
which opens a ticket for nearly every group at once. Target: a cycle under 1 s.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from bench.common import scratch_database
from rules.slo import SloConfig
from store.alert_counts import CallGroup, CountPlan, counts_query
from store.analytics import tune
from store.settings import Settings
from workers.alerts import AlertChange, load_slo, run_alert_cycle
from workers.context import JobContext, build_context
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
    """A first cycle at ``start`` (it opens alerts), then five steady ones a minute apart."""
    began = time.perf_counter()
    changes, _ = await run_alert_cycle(ctx, config, start)
    first = time.perf_counter() - began
    steady = [
        await timed(run_alert_cycle(ctx, config, start + timedelta(minutes=k))) for k in range(1, 6)
    ]
    ms = [round(s * 1000) for s in steady]
    opened = sum(c.event == "fired" for c in changes)
    print(f"| {label}: first cycle, opens {opened} alert(s) | {first * 1000:.0f} ms |")
    print(f"| {label}: steady cycle, median of 5 (min–max) | {statistics.median(ms):.0f} ms "
          f"({min(ms)}–{max(ms)}) |")  # fmt: skip
    return changes


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


async def plans(ctx: JobContext, config: SloConfig, end: datetime, opened: list[CallGroup]) -> None:
    alerting = CountPlan.of([without_period(o) for o in config.objectives])
    full = CountPlan.of(config.objectives)
    period = CountPlan((timedelta(days=30),), full.thresholds)
    async with ctx.sessions() as db:
        ids = await project_ids(db)
        await explain(db, "the minute's count: alert windows, every project",
                      counts_query(alerting, end, ids))  # fmt: skip
        await explain(db, "the period's count, only for the groups whose alert opens",
                      counts_query(period, end, ids, opened))  # fmt: skip
        await explain(db, "GET /v1/slos: every window, one project",
                      counts_query(full, end, [1]))  # fmt: skip


async def run(url: str, rows: int) -> None:
    settings = Settings(database_url=url)
    config = load_slo(settings.slo_file)
    ctx = await build_context(settings)
    try:
        end = datetime.now(UTC).replace(microsecond=0)
        await load_calls(ctx, rows, end)
        print("| measure | figure |")
        print("| --- | --- |")
        changes = await cycles("quiet, one outage", ctx, config, end)
        await slos(ctx, config, end)
        await storm(ctx, end)
        await cycles("storm", ctx, config, end + timedelta(minutes=10))
        await plans(ctx, config, end, [c.group for c in changes if c.event == "fired"])
    finally:
        await ctx.close()


def main(rows: int) -> None:
    with scratch_database() as url:
        asyncio.run(run(url, rows))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
