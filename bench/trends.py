"""Trend and dashboard latency over a large project, on Postgres.

Generates 1,000,000 sessions over 90 days with verdicts and thumbs and 10 llm_call rows
each (bench/trends_data.py; generation time printed apart), then times each endpoint
through the HTTP app for a 30-day range by day grouped by model, and prints p50/p95 of
``--reps`` requests and the plans of the queries behind them (EXPLAIN ANALYZE, BUFFERS).

    .venv/bin/python -m bench.trends [--sessions 1000000] [--calls 10] [--reps 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from bench.common import new_key, pct, scratch_database
from bench.trends_data import generate
from store.analytics import tune
from store.settings import Settings

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


async def measure(url: str, key: str, reps: int) -> None:
    async with client(url, key) as http:
        rows = []
        for name, path, params, target in ENDPOINTS:
            for _ in range(2):  # warm the caches
                r = await http.get(path, params=params)
                assert r.status_code == 200, r.text[:300]
            times = []
            for _ in range(reps):
                start = time.perf_counter()
                r = await http.get(path, params=params)
                times.append((time.perf_counter() - start) * 1000)
            rows.append((name, pct(times, 0.5), pct(times, 0.95), target))
        print("| endpoint (30 days by day, by model) | p50 | p95 | target p95 |")
        print("| --- | --- | --- | --- |")
        for name, p50, p95, target in rows:
            goal = f"< {target:.0f} ms" if target else ""
            print(f"| {name} | {p50:.0f} ms | {p95:.0f} ms | {goal} |")
        for name, path, params, _ in ENDPOINTS:
            print(f"\n### plans: {name}\n", flush=True)
            await explain(http, path, params)


async def project_id(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT max(id) FROM projects"))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=10, help="llm_call rows per session")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    with scratch_database() as url:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        key = new_key(url, ("ingest", "read"))
        print(f"generating {args.sessions:,} sessions, {args.sessions * args.calls:,} llm calls")
        start = time.perf_counter()
        asyncio.run(
            generate(dsn, asyncio.run(project_id(dsn)), args.sessions, args.calls, args.days, END)
        )
        print(f"generation: {time.perf_counter() - start:.0f} s\n", flush=True)
        asyncio.run(measure(url, key, args.reps))


if __name__ == "__main__":
    main()
