"""The LLM dashboard: calls, errors by type, latency and ttft percentiles, tokens and cost
per bucket and provider/model/tool."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from store.histogram import RELATIVE_ERROR
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import get, submit

DAY0 = BASE.replace(hour=0)
RANGE = {"from": iso(DAY0), "to": iso(DAY0 + timedelta(days=2)), "bucket": "day"}


def call(at: datetime, model: str, latency: float, **fields: Any) -> dict[str, Any]:
    return {
        "type": "llm_call", "ts": iso(at), "provider": "openai", "model": model,
        "tool": "chat", "latency_ms": latency, "ttft_ms": latency / 4, "ok": True,
        "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.5, **fields,
    }  # fmt: skip


def with_calls(start: datetime, calls: list[dict[str, Any]]) -> dict[str, Any]:
    doc = session_doc(start=start, n_events=2)
    doc["events"][1:1] = calls
    return doc


async def test_calls_errors_latency_tokens_and_cost_per_model(api: Api, key: str) -> None:
    t = DAY0 + timedelta(hours=9)
    calls = [
        call(t, "gpt-5", 100), call(t, "gpt-5", 200), call(t, "gpt-5", 300),
        call(t, "gpt-5", 400, ok=False, error_type="rate_limited"),
        call(t, "gpt-5", 500, ok=False, error_type="rate_limited"),
        call(t, "gpt-5", 600, ok=False),
        call(t, "mini", 50, ttft_ms=None),
    ]  # fmt: skip
    await submit(api, key, [with_calls(t, calls)])
    body = await get(api, key, "/v1/dashboards/llm", **RANGE, group_by="model")
    assert body["group_by"] == ["model"]
    points = {(p["bucket_start"][:10], p["group"]["model"]): p for p in body["points"]}
    assert sorted(points) == [
        ("2026-11-21", "gpt-5"), ("2026-11-21", "mini"),
        ("2026-11-22", "gpt-5"), ("2026-11-22", "mini"),
    ]  # fmt: skip
    gpt = points[("2026-11-21", "gpt-5")]
    assert (gpt["calls"], gpt["errors"], gpt["error_rate"]) == (6, 3, 0.5)
    assert gpt["errors_by_type"] == {"rate_limited": 2, "unknown": 1}
    # percentile_cont over 100..600 (positions 2.5, 4.5 and 4.95), as histogram estimates
    exact = {"p50": 350.0, "p90": 550.0, "p99": 595.0}
    assert gpt["latency_ms"] == pytest.approx(exact, rel=RELATIVE_ERROR)
    assert gpt["ttft_ms"] == pytest.approx({"p50": 87.5, "p90": 137.5}, rel=RELATIVE_ERROR)
    assert (gpt["input_tokens"], gpt["output_tokens"], gpt["cost_usd"]) == (600, 60, 3.0)
    mini = points[("2026-11-21", "mini")]
    assert mini["ttft_ms"] == {"p50": None, "p90": None}
    empty = points[("2026-11-22", "gpt-5")]
    assert (empty["calls"], empty["error_rate"], empty["latency_ms"]["p50"]) == (0, None, None)


async def test_default_groups_by_provider_model_and_tool(api: Api, key: str) -> None:
    t = DAY0 + timedelta(hours=9)
    await submit(api, key, [with_calls(t, [call(t, "m", 10), call(t, "m", 20, tool="edit")])])
    body = await get(api, key, "/v1/dashboards/llm", **RANGE | {"to": iso(t + timedelta(hours=1))})
    assert body["group_by"] == ["provider", "model", "tool"]
    groups = [(p["group"], p["calls"]) for p in body["points"]]
    assert groups == [
        ({"provider": "openai", "model": "m", "tool": "chat"}, 1),
        ({"provider": "openai", "model": "m", "tool": "edit"}, 1),
    ]
    none = await get(api, key, "/v1/dashboards/llm", **RANGE, group_by="none", tool="edit")
    assert [(p["group"], p["calls"]) for p in none["points"]] == [({}, 1), ({}, 0)]


async def test_postgres_and_sqlite_answer_the_same_dashboard(pg_api: Api, sqlite_api: Api) -> None:
    rng = random.Random(3)
    t = DAY0 + timedelta(hours=1)
    docs = [
        with_calls(t + timedelta(hours=i), [
            call(t + timedelta(hours=i, seconds=j), rng.choice(["a", "b"]), rng.uniform(5, 900),
                 ok=rng.random() > 0.2, error_type=rng.choice([None, "timeout"]))
            for j in range(8)
        ])
        for i in range(30)
    ]  # fmt: skip
    bodies = []
    for api in (pg_api, sqlite_api):
        key = await api.new_key("ingest", "read")
        await submit(api, key, docs)
        bodies.append(await get(api, key, "/v1/dashboards/llm", **RANGE, group_by="model"))
    assert bodies[0] == bodies[1]
    assert bodies[0]["points"][0]["errors"] > 0
