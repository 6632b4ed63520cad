"""Trend and dashboard latency over a large project, on Postgres.

Generates 1,000,000 sessions over 90 days with verdicts and thumbs and 10 llm_call rows
each (bench/trends_data.py, then what its bulk load leaves to the store's writes:
``complete_bulk_load``; generation time printed apart), then times each endpoint
through the HTTP app for a 30-day range by day grouped by model, and prints p50/p95 of
``--reps`` requests and the plans of the queries behind them (EXPLAIN ANALYZE, BUFFERS).

    .venv/bin/python -m bench.trends [--sessions 1000000] [--calls 10] [--reps 20]
        [--keep NAME | --reuse NAME] [--only outcomes sessions …] [--no-plans]

``--keep NAME`` generates into a new database NAME and keeps it; ``--reuse NAME`` migrates
that database to the head revision and times it again without generating, so queries
can be iterated on in seconds. Drop a kept one with ``DROP DATABASE NAME``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from bench.common import PG_ADMIN, new_key, pct, scratch_database
from bench.trends_data import generate
from store.analytics import tune
from store.engine import create_engine, session_factory
from store.feedback import count_thumbs
from store.keys import create_key
from store.migrate import upgrade
from store.settings import Settings
from store.trend_rollup import refresh

END = datetime(2026, 11, 22, tzinfo=UTC)
RANGE = {"from": (END - timedelta(days=30)).isoformat(), "to": END.isoformat(), "bucket": "day"}
ENDPOINTS: list[tuple[str, str, dict[str, Any], float]] = [
    ("outcomes", "/v1/trends/outcomes", RANGE | {"group_by": "model"}, 300),
    ("sessions", "/v1/trends/sessions", RANGE | {"group_by": "model"}, 300),
    ("llm dashboard", "/v1/dashboards/llm", RANGE | {"group_by": "model"}, 500),
    ("degradations (6 h)", "/v1/degradations", {"at": END.isoformat()}, 0),
]


@asynccontextmanager
async def client(url: str, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, its background sweep and alert evaluation kept out of the way
    (no SLOs), so the figures are the endpoints' own."""
    slo = Path(tempfile.mkdtemp()) / "slo.yaml"
    slo.write_text("objectives: []\n")
    settings = Settings(
        database_url=url, sweep_interval_seconds=3600, alert_interval_seconds=3600, slo_file=slo
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=120
        ) as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def capture(engine: AsyncEngine) -> tuple[list[tuple[str, Any]], Callable[[], None]]:
    """Record the SELECTs the app sends (with their parameters) until stopped."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine.sync_engine, "before_cursor_execute", record)


async def explain(http: httpx.AsyncClient, path: str, params: dict[str, Any]) -> None:
    """The plans of the queries one request runs, as run again under EXPLAIN ANALYZE."""
    state = http.app.state.sj  # type: ignore[attr-defined]
    seen, stop = capture(state.engine)
    await http.get(path, params=params)
    stop()
    async with state.sessions() as db:
        await tune(db)
        connection = await db.connection()
        for statement, args in seen:
            if "api_keys" in statement or "prompt_changes" in statement:
                continue
            plan = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, args)
            print("\n".join(row[0] for row in plan), "\n", flush=True)


async def timed(http: httpx.AsyncClient, path: str, params: dict[str, Any], reps: int) -> Any:
    """p50 and p95 in ms of ``reps`` requests, after two that warm the caches."""
    for _ in range(2):
        r = await http.get(path, params=params)
        assert r.status_code == 200, r.text[:300]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        r = await http.get(path, params=params)
        times.append((time.perf_counter() - start) * 1000)
    return pct(times, 0.5), pct(times, 0.95)


CHANGED = """
INSERT INTO trend_changes (project_id, occurred_at)
SELECT (SELECT max(project_id) FROM sessions), h FROM (
    SELECT $1::timestamptz - make_interval(hours => g) AS h FROM generate_series(1, 24) AS g
    UNION ALL
    SELECT $1::timestamptz - make_interval(days => g, hours => 11) FROM generate_series(1, 24) AS g
) AS hours
"""


async def with_changed_hours(http: httpx.AsyncClient, url: str, reps: int) -> list[Any]:
    """Outcomes and sessions while 48 hours of the range are named as changed (the last
    24, as under steady ingest and judging, and one a day, as late thumbs leave them),
    then one job cycle recomputing them."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(CHANGED, END)
    finally:
        await conn.close()
    rows = []
    for name, path, params, target in ENDPOINTS[:2]:
        p50, p95 = await timed(http, path, params, reps)
        rows.append((f"{name}, 48 changed hours", p50, p95, target))
    state = http.app.state.sj  # type: ignore[attr-defined]
    start = time.perf_counter()
    async with state.sessions() as db:
        hours = await refresh(db)
        await db.commit()
    took = (time.perf_counter() - start) * 1000
    print(f"one trend rollup cycle recomputing {hours} hours (and their days): {took:.0f} ms")
    return rows


async def measure(
    url: str, key: str, reps: int, only: list[str] | None = None, plans: bool = True
) -> None:
    endpoints = [e for e in ENDPOINTS if only is None or e[0].split()[0] in only]
    async with client(url, key) as http:
        rows = []
        for name, path, params, target in endpoints:
            rows.append((name, *await timed(http, path, params, reps), target))
        if only is None or {"outcomes", "sessions"} & set(only):
            rows += await with_changed_hours(http, url, reps)
        print("| endpoint (30 days by day, by model) | p50 | p95 | target p95 |")
        print("| --- | --- | --- | --- |")
        for name, p50, p95, target in rows:
            goal = f"< {target:.0f} ms" if target else ""
            print(f"| {name} | {p50:.0f} ms | {p95:.0f} ms | {goal} |")
        for name, path, params, _ in endpoints if plans else []:
            print(f"\n### plans: {name}\n", flush=True)
            await explain(http, path, params)


async def fetch(dsn: str, sql: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@contextmanager
def named_database(name: str, create: bool) -> Iterator[str]:
    """Database ``name``, created (and migrated) when ``create``, else migrated to the
    head revision; kept either way."""
    if create:
        asyncio.run(fetch(PG_ADMIN, f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url += f"/{name}"
    upgrade(url)
    yield url
    print(f"\nkept database {name}: --reuse {name} times it again", flush=True)


def data_project_key(url: str) -> str:
    """A read key of the project holding the generated sessions."""

    async def run() -> str:
        project = await fetch(
            asyncpg_dsn(url),
            "SELECT name FROM projects WHERE id = (SELECT project_id FROM sessions LIMIT 1)",
        )
        engine = create_engine(Settings(database_url=url))
        async with session_factory(engine)() as db:
            secret = await create_key(db, project, "bench", ["read"])
            await db.commit()
        await engine.dispose()
        return secret

    return asyncio.run(run())


VERDICT_TIMES = """
UPDATE current_verdicts AS cv SET occurred_at = s.occurred_at
FROM sessions AS s WHERE s.pk = cv.session_pk AND cv.occurred_at IS NULL
"""


async def complete_bulk_load(url: str, project: int) -> None:
    """The generator bulk-loads feedback and current verdicts past the store's writes: count
    the sessions' thumbs as a click would, give the verdicts their session's time as the
    judge would, then vacuum both tables for index-only scans again."""
    start = time.perf_counter()
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        await count_thumbs(db, project)
        await db.execute(text(VERDICT_TIMES))
        await db.commit()
    await engine.dispose()
    # Bulk updates rewrite every row at once (here, and the generator's rollup step), which
    # leaves the trend indexes half empty; a live table's updates come one session at a
    # time and Postgres deletes the old index entries as it goes, so rebuild them compact.
    for index in ("ix_sessions_project_occurred", "ix_current_verdicts_prompt_occurred"):
        await fetch(asyncpg_dsn(url), f"REINDEX INDEX {index}")
    await fetch(asyncpg_dsn(url), "VACUUM ANALYZE sessions, current_verdicts")
    took = time.perf_counter() - start
    print(f"  {'thumbs, verdict times':<28} {'':<22} {took:7.1f} s\n", flush=True)


MARK_HOURS = """
INSERT INTO trend_changes (project_id, occurred_at)
SELECT project_id, min(occurred_at) FROM sessions
GROUP BY project_id, date_trunc('hour', occurred_at, 'UTC')
"""
TREND_TABLES = "trend_rollups, trend_rollup_bins, verdict_rollups"


async def build_trend_rollups(url: str, bulk: bool) -> None:
    """Recompute the trend rollups of every hour named as changed, as the job does, and
    print the time. A bulk load wrote past the store (which names what it writes), so
    after one every hour is named first; a database kept before migration 0009 had its
    hours named by the migration."""
    start = time.perf_counter()
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        if bulk:
            await db.execute(text(MARK_HOURS))
        hours = await refresh(db)
        await db.commit()
    await engine.dispose()
    if hours:
        await fetch(asyncpg_dsn(url), f"VACUUM ANALYZE {TREND_TABLES}")
        took = time.perf_counter() - start
        print(f"  {'trend rollups':<28} {f'{hours} hours':<22} {took:7.1f} s\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=10, help="llm_call rows per session")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--reps", type=int, default=20)
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", metavar="NAME", help="generate into database NAME, keep it")
    kept.add_argument("--reuse", metavar="NAME", help="time database NAME, kept before")
    parser.add_argument("--only", nargs="+", help="endpoints by first word, e.g. outcomes")
    parser.add_argument("--no-plans", dest="plans", action="store_false")
    args = parser.parse_args()
    name = args.keep or args.reuse
    database = named_database(name, args.keep is not None) if name else scratch_database()
    with database as url:
        if args.reuse:
            key = data_project_key(url)
            asyncio.run(build_trend_rollups(url, bulk=False))
        else:
            key = new_key(url, ("ingest", "read"))
            dsn = asyncpg_dsn(url)
            project = int(asyncio.run(fetch(dsn, "SELECT max(id) FROM projects")))
            print(f"generating {args.sessions:,} sessions, {args.sessions * args.calls:,} calls")
            start = time.perf_counter()
            asyncio.run(generate(dsn, project, args.sessions, args.calls, args.days, END))
            asyncio.run(complete_bulk_load(url, project))
            asyncio.run(build_trend_rollups(url, bulk=True))
            print(f"generation: {time.perf_counter() - start:.0f} s\n", flush=True)
        asyncio.run(measure(url, key, args.reps, args.only, args.plans))


if __name__ == "__main__":
    main()
