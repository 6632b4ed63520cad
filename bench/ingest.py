"""Ingest throughput and latency of the service on Postgres, against raw SQLAlchemy Core.

Sessions of 50 events, posted over loopback by a concurrent client to one uvicorn
process. Prints sessions/s through ``:batch`` and one per request, latency at a steady
50 requests/s, and the same rows inserted by plain Core ``insert`` as a ratio.

    .venv/bin/python bench/ingest.py [--sessions 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from redis import Redis

from bench.common import new_key, pct, scratch_database, service
from rules import Session
from store.engine import create_engine, session_factory
from store.ingest import _call_values, _session_values, prepare
from store.models import LlmCall, SessionEvents, SessionRow
from store.settings import Settings
from tests.sessions import session_doc

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def docs(n: int) -> list[dict[str, Any]]:
    return [session_doc(f"b-{uuid.uuid4().hex}", n_events=50) for _ in range(n)]


async def post_all(
    base: str, key: str, bodies: list[Any], path: str, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(reversed(bodies))
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                t0 = time.perf_counter()
                r = await client.post(path, json=body)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code in (200, 201), r.text[:300]

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start, latencies


async def steady(base: str, key: str, rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:

        async def one(body: dict[str, Any]) -> None:
            t0 = time.perf_counter()
            r = await client.post("/v1/sessions", json=body)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 201

        tasks = []
        start = time.perf_counter()
        for i, body in enumerate(docs(int(rate * seconds))):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    return latencies


async def raw_core(url: str, bodies: list[dict[str, Any]], batch: int) -> float:
    """The same three tables written by plain Core inserts: the floor we compare with."""
    engine = create_engine(Settings(database_url=url))
    prepared = [prepare(Session.model_validate(b)) for b in bodies]
    start = time.perf_counter()
    async with session_factory(engine)() as db:
        project_id = 1
        for i in range(0, len(prepared), batch):
            chunk = prepared[i : i + batch]
            now = datetime.now(UTC)
            rows = [_session_values(project_id, p, now) for p in chunk]
            pks = (
                (await db.execute(SessionRow.__table__.insert().returning(SessionRow.pk), rows))
                .scalars()
                .all()
            )
            await db.execute(
                SessionEvents.__table__.insert(),
                [
                    {"session_pk": pk, "project_id": project_id, "events": p.events}
                    for pk, p in zip(pks, chunk, strict=True)
                ],
            )
            calls = [
                c
                for pk, p in zip(pks, chunk, strict=True)
                for c in _call_values(project_id, pk, p.llm_calls)
            ]
            await db.execute(LlmCall.__table__.insert(), calls)
            await db.commit()
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    n, size = args.sessions, args.batch
    Redis.from_url(REDIS_URL).flushdb()
    with scratch_database() as url:
        key = new_key(url)
        # as in production: jobs go to Redis for separate workers (none run here)
        with service(url, SESSION_JUDGE_REDIS_URL=REDIS_URL) as base:
            batch_bodies = [{"sessions": docs(size)} for _ in range(n // size)]
            t_batch, _ = asyncio.run(post_all(base, key, batch_bodies, "/v1/sessions:batch", 4))
            singles = docs(n // 2)
            t_single, lat_s = asyncio.run(post_all(base, key, singles, "/v1/sessions", 16))
            lat_steady = asyncio.run(steady(base, key, 50, 20))
        raw_bodies = docs(n)
        t_raw = asyncio.run(raw_core(url, raw_bodies, size))
    Redis.from_url(REDIS_URL).flushdb()
    batch_rate = n / t_batch
    single_rate = (n // 2) / t_single
    raw_rate = n / t_raw
    print("| measure | figure | target |")
    print("| --- | --- | --- |")
    print(f"| :batch ({size}/request, 4 concurrent) | {batch_rate:,.0f} sessions/s | ≥ 400 |")
    print(f"| one per request (16 concurrent) | {single_rate:,.0f} sessions/s | ≥ 150 |")
    s50, s99 = pct(lat_s, 0.5) * 1000, pct(lat_s, 0.99) * 1000
    print(f"| one per request, p50 / p99 | {s50:.0f} / {s99:.0f} ms | |")
    p50, p99 = pct(lat_steady, 0.5) * 1000, pct(lat_steady, 0.99) * 1000
    print(f"| steady 50 req/s, p50 / p99 | {p50:.1f} / {p99:.1f} ms | p99 < 100 ms |")
    print(f"| raw Core insert of the same rows | {raw_rate:,.0f} sessions/s | |")
    print(f"| service :batch / raw | {batch_rate / raw_rate:.2f} | |")


if __name__ == "__main__":
    main()
