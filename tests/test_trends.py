"""Outcome and session trends: buckets, groups, verdict mix, thumbs, disagreement and
percentiles, the same on Postgres and SQLite."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from store.histogram import RELATIVE_ERROR
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import HAND, get, judge, submit, thumbs

DAY0 = BASE.replace(hour=0)  # 2026-11-21, a Saturday
RANGE = {"from": iso(DAY0), "to": iso(DAY0 + timedelta(days=4)), "bucket": "day"}


def at(days: float = 0, hours: float = 0) -> Any:
    return DAY0 + timedelta(days=days, hours=hours)


async def test_every_bucket_is_answered_with_zeros_where_nothing_happened(
    api: Api, key: str
) -> None:
    await submit(api, key, [session_doc(start=at(0, 10)), session_doc(start=at(2, 10))])
    points = (await get(api, key, "/v1/trends/outcomes", **RANGE))["points"]
    assert [p["bucket_start"][:10] for p in points] == [
        "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24",
    ]  # fmt: skip
    assert [p["sessions"] for p in points] == [1, 0, 1, 0]
    empty = points[1]
    assert (empty["judged"], empty["feedback"], empty["group"]) == (0, 0, None)
    assert empty["thumbs_up_rate"] is None
    assert empty["termination"]["completed"] == 0
    assert empty["termination_share"]["completed"] is None


async def test_every_group_gets_every_bucket(api: Api, key: str) -> None:
    docs = [
        session_doc(start=at(0, 1), source="cline"),
        session_doc(start=at(1, 1), source="kilocode"),
        session_doc(start=at(1, 2), source="kilocode"),
        session_doc(start=at(1, 3), source=None),
    ]
    await submit(api, key, docs)
    params = RANGE | {"to": iso(at(2)), "group_by": "source"}
    points = (await get(api, key, "/v1/trends/outcomes", **params))["points"]
    got = [(p["bucket_start"][:10], p["group"], p["sessions"]) for p in points]
    assert got == [
        ("2026-11-21", "cline", 1), ("2026-11-21", "kilocode", 0), ("2026-11-21", None, 0),
        ("2026-11-22", "cline", 0), ("2026-11-22", "kilocode", 2), ("2026-11-22", None, 1),
    ]  # fmt: skip


async def test_verdict_mix_thumbs_and_disagreement_per_bucket(api: Api, key: str) -> None:
    ids = [f"v{i}" for i in range(5)]
    await submit(api, key, [session_doc(sid, start=at(0, 9 + i)) for i, sid in enumerate(ids)])
    await judge(api, key, {
        "v0": ("completed", "helpful", 0.9),
        "v1": ("completed", "partially_helpful", 0.7),
        "v2": ("abandoned", "unhelpful", 0.5),
        "v3": ("errored", "helpful", 0.3),
    })  # fmt: skip
    clicks = [("v0", "down", "a"), ("v0", "up", "b"), ("v1", "down", "a"),
              ("v2", "up", "a"), ("v3", "up", "a"), ("v4", "down", "a")]  # fmt: skip
    for sid, rating, user in clicks:
        await thumbs(api, key, sid, rating, iso(at(0, 20)), user_id=user)
    params = RANGE | {"to": iso(at(1)), "prompt": HAND}
    body = await get(api, key, "/v1/trends/outcomes", **params)
    [p] = body["points"]
    assert body["prompt"] == HAND
    assert (p["sessions"], p["judged"]) == (5, 4)
    assert p["termination"] == {"completed": 2, "abandoned": 1, "errored": 1, "timed_out": 0}
    assert p["termination_share"]["completed"] == 0.5
    assert p["helpfulness"]["helpful"] == 2
    assert p["helpfulness_share"]["unhelpful"] == 0.25
    assert abs(p["mean_confidence"] - 0.6) < 1e-9
    assert (p["feedback"], p["thumbs_up"], p["thumbs_up_rate"]) == (6, 3, 0.5)
    # down on v0 (helpful) and v1 (completed); up on v2 (unhelpful and abandoned)
    assert p["disagreement"] == {
        "down_on_positive": 2, "up_on_negative": 1, "total": 3,
        "judged_feedback": 5, "rate": 0.6,
    }  # fmt: skip


async def test_default_prompt_is_the_current_one_judged_offline(api: Api, key: str) -> None:
    await submit(api, key, [session_doc(start=at(0, 9))])
    body = await get(api, key, "/v1/trends/outcomes", **RANGE)
    assert body["prompt"] == "outcome/v1"
    assert body["points"][0]["judged"] == 1
    assert body["points"][0]["termination"]["completed"] == 1


async def test_session_filters_apply(api: Api, key: str) -> None:
    docs = [session_doc(start=at(0, 1), end_reason="completed"),
            session_doc(start=at(0, 2), end_reason="error"),
            session_doc(start=at(0, 3), source="cline")]  # fmt: skip
    await submit(api, key, docs)
    day = RANGE | {"to": iso(at(1))}
    by_reason = await get(api, key, "/v1/trends/sessions", **day, end_reason="error")
    by_source = await get(api, key, "/v1/trends/outcomes", **day, source="kilocode")
    assert by_reason["points"][0]["sessions"] == 1
    assert by_source["points"][0]["sessions"] == 2


def near(value: float) -> Any:
    return pytest.approx(value, rel=RELATIVE_ERROR)


def _timed(i: int, start: Any, seconds: float, **fields: Any) -> dict[str, Any]:
    doc = session_doc(f"t{i}", start=start, **fields)
    doc["ended_at"] = iso(start + timedelta(seconds=seconds))
    return doc


async def test_session_metrics_and_percentiles(api: Api, key: str) -> None:
    docs = [_timed(i, at(0, 9 + i), s) for i, s in enumerate([10, 20, 30, 40])]
    docs[0]["end_reason"] = None
    docs[1]["events"].insert(1, {"type": "context_condensed", "ts": iso(at(0, 10))})
    docs[2]["events"].insert(2, {"type": "tool_call", "ts": iso(at(0, 11)), "tool": "x",
                                 "ok": False, "error": "boom"})  # fmt: skip
    await submit(api, key, docs)
    [p] = (await get(api, key, "/v1/trends/sessions", **RANGE | {"to": iso(at(1))}))["points"]
    assert p["sessions"] == 4
    # percentile_cont: p50 of 10,20,30,40 s interpolates 25 s; p90 sits at rank 2.7; the
    # histogram estimates are within RELATIVE_ERROR
    assert p["duration_ms"] == {"p50": near(25000.0), "p90": near(37000.0)}
    assert p["ttfr_ms"] == {"p50": near(1300.0), "p90": near(1300.0)}  # first call at +1 s
    assert p["mean_user_turns"] == 1.0
    assert p["mean_tool_calls"] == 3.25
    assert p["tool_error_rate"] == 1 / 13
    assert (p["stuck_rate"], p["condense_rate"]) == (0.0, 0.25)
    assert p["tokens_per_session"] == 3300.0
    assert abs(p["cost_per_session"] - 0.03) < 1e-9
    assert p["end_reasons"] == {
        "completed": 3, "user_closed": 0, "timeout": 0, "error": 0, "unknown": 1,
    }  # fmt: skip


async def test_postgres_and_sqlite_answer_the_same_numbers(pg_api: Api, sqlite_api: Api) -> None:
    rng = random.Random(7)
    docs = [
        _timed(i, at(rng.uniform(0, 3)), rng.uniform(10, 5000), source=rng.choice("abc"))
        for i in range(60)
    ]
    bodies = []
    for api in (pg_api, sqlite_api):
        key = await api.new_key("ingest", "read")
        await submit(api, key, docs)
        params = RANGE | {"group_by": "source"}
        bodies.append(await get(api, key, "/v1/trends/sessions", **params))
        bodies.append(await get(api, key, "/v1/trends/outcomes", **params))
    assert bodies[0] == bodies[2]
    assert bodies[1] == bodies[3]
    p90s = [p["duration_ms"]["p90"] for p in bodies[0]["points"] if p["sessions"] > 2]
    assert len(p90s) >= 6  # interpolated between ranks, so the arithmetic must match too


async def test_weeks_start_on_monday(api: Api, key: str) -> None:
    await submit(api, key, [session_doc(start=at(0, 9)), session_doc(start=at(2, 9))])
    params = {"from": iso(at(0)), "to": iso(at(14)), "bucket": "week"}
    points = (await get(api, key, "/v1/trends/outcomes", **params))["points"]
    assert [(p["bucket_start"], p["sessions"]) for p in points] == [
        ("2026-11-16T00:00:00Z", 1), ("2026-11-23T00:00:00Z", 1), ("2026-11-30T00:00:00Z", 0),
    ]  # fmt: skip


async def test_bad_ranges_answer_422_naming_the_field(api: Api, key: str) -> None:
    cases = [
        ({"from": iso(at(1)), "to": iso(at(0))}, ["query", "to"]),
        ({"from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "bucket": "hour"},
         ["query", "bucket"]),
        ({"bucket": "month"}, ["query", "bucket"]),
        ({"group_by": "user"}, ["query", "group_by"]),
        ({"from": "0001-01-01T00:00:00Z"}, ["query", "from"]),
    ]  # fmt: skip
    for params, loc in cases:
        r = await api.client.get("/v1/trends/outcomes", params=params, headers=api.auth(key))
        assert r.status_code == 422, (params, r.text)
        assert r.json()["detail"][0]["loc"] == loc, r.text


async def test_a_session_a_microsecond_before_the_hour_stays_in_its_bucket(
    api: Api, key: str
) -> None:
    edge = at(0, 11) - timedelta(microseconds=1)
    await submit(api, key, [session_doc(start=edge), session_doc(start=at(0, 11))])
    params = {"from": iso(at(0, 10)), "to": iso(at(0, 12)), "bucket": "hour"}
    points = (await get(api, key, "/v1/trends/outcomes", **params))["points"]
    assert [p["sessions"] for p in points] == [1, 1]


async def test_a_replaced_session_takes_its_verdicts_to_its_new_time(api: Api, key: str) -> None:
    await submit(api, key, [session_doc("moved", start=at(0, 9))])
    await judge(api, key, {"moved": ("completed", "helpful", 0.9)})
    later = session_doc("moved", start=at(2, 9), n_events=10)
    r = await api.client.post(
        "/v1/sessions", json=later, params={"replace": "true"}, headers=api.auth(key)
    )
    assert r.status_code == 200, r.text
    await api.settle()
    # a range that leaves out where it was
    params = RANGE | {"from": iso(at(1)), "prompt": HAND}
    points = (await get(api, key, "/v1/trends/outcomes", **params))["points"]
    assert [(p["sessions"], p["judged"]) for p in points] == [(0, 0), (1, 1), (0, 0)]
    assert points[1]["helpfulness"]["helpful"] == 1
