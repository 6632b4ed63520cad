"""OTLP ingest on Postgres: GenAI spans to stored, queryable sessions.

400 sessions of 50 GenAI spans (half ``chat``, half ``execute_tool``) under one root
``invoke_agent`` span each, as OTLP protobuf, from 8 concurrent posters to the service in
its own process. Each poster interleaves 10 sessions at a time, so every session's spans
arrive over 5 requests, the root (which closes the session) in the last. The clock runs
from the first request to the moment every session is listed as stored with all its
events. Then a burst far beyond the OTLP gate shows 503 + Retry-After instead of a queue
without end; the server's peak RSS (VmHWM) is printed after each phase.

    .venv/bin/python bench/otlp.py [--sessions 400] [--spans 50] [--posters 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from redis import Redis

# Run as a script, this file's folder heads sys.path; the project root takes its place.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span  # noqa: E402

from bench.common import new_key, scratch_database, service  # noqa: E402
from tests.otlp_spans import request, session_spans  # noqa: E402

PATH = "/v1/otlp/v1/traces"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PER_GROUP = 10  # sessions a poster interleaves
PARTS = 5  # requests each session's spans are spread over


def poster_bodies(sessions: int, spans: int) -> list[bytes]:
    """One poster's requests: groups of sessions, each session's spans over PARTS requests."""
    bodies: list[bytes] = []
    for start in range(0, sessions, PER_GROUP):
        group = [session_spans(spans) for _ in range(min(PER_GROUP, sessions - start))]
        step = -(-spans // PARTS)
        for part in range(PARTS):
            batch: list[Span] = []
            for children, root in group:
                batch += children[part * step : (part + 1) * step]
                if part == PARTS - 1:
                    batch.append(root)
            bodies.append(request(batch, service="bench-agent").SerializeToString())
    return bodies


async def post(client: httpx.AsyncClient, body: bytes, stats: Counter[str]) -> None:
    """Post like an OTLP exporter: on 429/503, wait Retry-After and try again."""
    while True:
        r = await client.post(PATH, content=body)
        if r.status_code in (429, 503):
            stats["busy"] += 1
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            continue
        assert r.status_code == 200, r.text[:300]
        stats["rejected"] += ExportTraceServiceResponse.FromString(
            r.content
        ).partial_success.rejected_spans
        return


async def stored(client: httpx.AsyncClient) -> tuple[int, int]:
    """(sessions, events) the service lists as stored."""
    sessions = events = 0
    cursor: str | None = None
    while True:
        params = {"limit": 500, "source": "bench-agent", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/sessions", params=params)).json()
        sessions += len(page["items"])
        events += sum(s["event_count"] for s in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return sessions, events


async def throughput(base: str, key: str, sessions: int, spans: int, posters: int) -> None:
    work = [poster_bodies(sessions // posters, spans) for _ in range(posters)]
    stats: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/x-protobuf"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:

        async def poster(bodies: list[bytes]) -> None:
            for body in bodies:
                await post(client, body, stats)

        start = time.perf_counter()
        await asyncio.gather(*(poster(b) for b in work))
        posted = time.perf_counter() - start
        while (found := await stored(client)) != (sessions, sessions * spans):
            assert time.perf_counter() - start < 300, f"only {found} stored"
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - start
    total = sessions * spans
    print(
        f"{sessions} sessions x {spans} GenAI spans (+1 root each), {posters} posters, "
        f"{sum(len(w) for w in work)} requests"
    )
    print(f"  all accepted after {posted:.2f} s; all stored and listed after {elapsed:.2f} s")
    print(
        f"  {total / elapsed:,.0f} GenAI spans/s ({(total + sessions) / elapsed:,.0f} with roots)"
    )
    print(
        f"  stored {found[0]} sessions, {found[1]} events: no span lost; "
        f"rejected {stats['rejected']}, busy answers {stats['busy']}"
    )


async def burst(base: str, key: str, requests: int) -> None:
    """Many requests at once, no retries: the gate answers the excess 503 + Retry-After."""
    body = poster_bodies(PER_GROUP, 50)[0]
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/x-protobuf"}
    limits = httpx.Limits(max_connections=requests)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120, limits=limits) as c:
        answers = await asyncio.gather(*(c.post(PATH, content=body) for _ in range(requests)))
    codes = Counter(r.status_code for r in answers)
    retry_after = {r.headers.get("retry-after") for r in answers if r.status_code == 503}
    print(
        f"burst of {requests} concurrent requests: {dict(sorted(codes.items()))}, "
        f"Retry-After on every 503: {retry_after == {'1'} or not retry_after}"
    )


def server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and port.encode() in cmd:
            return int(proc.name)
    raise RuntimeError("service process not found")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
    return f"{int(line.split()[1]) / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--spans", type=int, default=50)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--burst", type=int, default=300)
    args = parser.parse_args()
    Redis.from_url(REDIS_URL).flushdb()
    # as in production: judge jobs go to Redis for separate workers (none run here)
    with scratch_database() as url, service(url, SESSION_JUDGE_REDIS_URL=REDIS_URL) as base:
        key = new_key(url)
        pid = server_pid(base)
        print(f"server peak RSS at start: {peak_rss(pid)}")
        cpu = cpu_seconds(pid)
        asyncio.run(throughput(base, key, args.sessions, args.spans, args.posters))
        print(f"server CPU for the run: {cpu_seconds(pid) - cpu:.2f} s")
        print(f"server peak RSS after the run: {peak_rss(pid)}")
        asyncio.run(burst(base, key, args.burst))
        print(f"server peak RSS after the burst: {peak_rss(pid)}")
    Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
