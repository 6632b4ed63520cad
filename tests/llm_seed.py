"""Random sessions of LLM calls, and what the LLM dashboard must answer for them, worked
out in Python from the documents alone (counters summed, values binned by
``store.histogram``), for the dashboard and rollup tests."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from store.buckets import floor_time
from store.histogram import bin_of, quantiles
from store.models import SessionRow
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import get, project_of

DAY0 = BASE.replace(hour=0)
DIMENSIONS = ("provider", "model", "tool")
EDGE_FROM = DAY0 + timedelta(hours=2, minutes=30)
EDGE_TO = DAY0 + timedelta(days=2, hours=5, minutes=15)
QUERIES: list[dict[str, Any]] = [
    # partial hours and days at both edges: raw, hourly and daily rows all answer
    {"from": EDGE_FROM, "to": EDGE_TO, "bucket": "day", "group_by": ["model"]},
    {"from": EDGE_FROM, "to": EDGE_TO, "bucket": "hour", "group_by": ["provider", "tool"]},
    {"from": DAY0 - timedelta(days=1), "to": DAY0 + timedelta(days=4), "bucket": "week"},
    {"from": DAY0 + timedelta(hours=20, minutes=10), "to": DAY0 + timedelta(hours=20, minutes=50),
     "bucket": "hour", "group_by": ["none"]},
    {"from": DAY0, "to": DAY0 + timedelta(days=3), "bucket": "day", "group_by": ["model"],
     "tool": "edit"},
]  # fmt: skip


def llm_call(rng: random.Random, at: datetime) -> dict[str, Any]:
    ok = rng.random() > 0.25
    return {
        "type": "llm_call", "ts": iso(at),
        "provider": rng.choice(["openai", "anthropic", None]),
        "model": rng.choice(["a", "b", "", None]),
        "tool": rng.choice(["chat", "edit", None]),
        "latency_ms": rng.choice([None, 0.0, rng.lognormvariate(6, 1.5), rng.uniform(1, 50)]),
        "ttft_ms": rng.choice([None, rng.lognormvariate(4, 1)]),
        "ok": ok, "error_type": None if ok else rng.choice([None, "", "timeout", "rate_limited"]),
        "input_tokens": rng.randrange(5000), "output_tokens": rng.randrange(500),
        "cost_usd": round(rng.uniform(0, 0.05), 7),
    }  # fmt: skip


def session_of(calls: list[dict[str, Any]], start: datetime) -> dict[str, Any]:
    """A closed session holding ``calls`` (ordered by time) between a user ask and a
    completion."""
    doc = session_doc(start=start, n_events=2)
    last = datetime.fromisoformat(calls[-1]["ts"]) if calls else start
    done = {"type": "completion", "ts": iso(last + timedelta(seconds=1)), "text": "Done."}
    doc["events"] = [doc["events"][0], *calls, done]
    doc["ended_at"] = iso(last + timedelta(seconds=2))
    return doc


def random_sessions(rng: random.Random, count: int, calls: int = 6) -> list[dict[str, Any]]:
    """Sessions over three days from DAY0, calls minutes apart (across hours and days)."""
    docs = []
    for _ in range(count):
        at = DAY0 + timedelta(seconds=rng.randrange(3 * 86400))
        start, moments = at, []
        for _ in range(calls):
            at += timedelta(seconds=rng.randrange(1, 2400), milliseconds=rng.randrange(1000))
            moments.append(at)
        docs.append(session_of([llm_call(rng, t) for t in moments], start))
    return docs


def _calls(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for doc in docs for e in doc["events"] if e["type"] == "llm_call"]


def expected(docs: list[dict[str, Any]], query: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """The dashboard's non-empty points for ``docs``, keyed by (bucket start, group)."""
    start, end, bucket = query["from"], query["to"], query["bucket"]
    dims = [d for d in DIMENSIONS if d in query.get("group_by", DIMENSIONS)]
    cells: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for call in _calls(docs):
        at = datetime.fromisoformat(call["ts"])
        if start <= at < end and all(call[d] == query[d] for d in DIMENSIONS if d in query):
            cells[(floor_time(at, bucket), tuple(call[d] for d in dims))].append(call)
    return {key: _point(calls) for key, calls in cells.items()}


def _point(calls: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [c for c in calls if not c["ok"]]

    def binned(field: str) -> Counter[int]:
        return Counter(bin_of(c[field]) for c in calls if c[field] is not None)

    latency, ttft = (
        quantiles(binned("latency_ms").items(), [0.5, 0.9, 0.99]),
        quantiles(binned("ttft_ms").items(), [0.5, 0.9]),
    )
    return {
        "calls": len(calls), "errors": len(failed),
        "errors_by_type": dict(Counter(c["error_type"] or "unknown" for c in failed)),
        "latency_ms": dict(zip(["p50", "p90", "p99"], latency, strict=True)),
        "ttft_ms": dict(zip(["p50", "p90"], ttft, strict=True)),
        "input_tokens": sum(c["input_tokens"] for c in calls),
        "output_tokens": sum(c["output_tokens"] for c in calls),
        "cost_usd": sum(math.floor(c["cost_usd"] * 1e9 + 0.5) for c in calls) / 1e9,
    }  # fmt: skip


def answered(body: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """The dashboard's non-empty points, keyed as :func:`expected` keys them."""
    fields = ("calls", "errors", "errors_by_type", "latency_ms", "ttft_ms", "input_tokens",
              "output_tokens", "cost_usd")  # fmt: skip
    return {
        (datetime.fromisoformat(p["bucket_start"]), tuple(p["group"].values())): {
            f: p[f] for f in fields
        }
        for p in body["points"]
        if p["calls"]
    }


async def dashboards(api: Api, key: str) -> list[Any]:
    """The dashboard for each of QUERIES."""
    return [
        await get(
            api, key, "/v1/dashboards/llm", **q | {"from": iso(q["from"]), "to": iso(q["to"])}
        )
        for q in QUERIES
    ]


async def rolled_states(api: Api, key: str) -> set[bool]:
    """Whether the project's sessions are rolled up: {True}, {False} or both."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        stmt = select(SessionRow.rolled_up).where(SessionRow.project_id == project_id)
        return set((await db.scalars(stmt.group_by(SessionRow.rolled_up))).all())
