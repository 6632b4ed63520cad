"""The degradation check: the last window against the same hours of the previous 7 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rules.degradation import Rule, latency_shift, rate_shift
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import HAND, get, judge, submit

AT = BASE.replace(hour=12)  # the current window is 06:00-12:00 on 2026-11-21
CURRENT, PER_BASELINE_DAY = 20, 10


def _model(doc: dict[str, Any], model: str) -> dict[str, Any]:
    for event in doc["events"]:
        if event["type"] == "llm_call":
            event["model"] = model
    return doc


async def _seed(api: Api, key: str, model: str, baseline: float, current: float) -> None:
    """Sessions in the window today and on each of the 7 previous days, a share of them
    completed: ``current`` today, ``baseline`` before."""
    docs, verdicts = [], {}
    for day in range(8):
        share, count = (current, CURRENT) if day == 0 else (baseline, PER_BASELINE_DAY)
        for i in range(count):
            start = AT - timedelta(days=day, hours=6) + i * timedelta(minutes=15)
            sid = f"{model}-{day}-{i}"
            docs.append(_model(session_doc(sid, start=start, n_events=4), model))
            done = i < round(share * count)
            verdicts[sid] = ("completed" if done else "abandoned", "helpful", 0.8)
    await submit(api, key, docs)
    await judge(api, key, verdicts)


async def test_a_slow_burn_is_listed_and_a_steady_group_is_not(api: Api, key: str) -> None:
    await _seed(api, key, "burning", baseline=0.9, current=0.4)
    await _seed(api, key, "steady", baseline=0.9, current=0.9)
    body = await get(api, key, "/v1/degradations", at=iso(AT), prompt=HAND)
    assert (body["window"], body["group_by"], body["baseline_days"]) == ("6h", "model", 7)
    assert body["window_start"] == "2026-11-21T06:00:00Z"
    [moved] = body["moved"]
    assert (moved["group"], moved["metric"], moved["direction"]) == (
        "burning", "completion_rate", "down"
    )  # fmt: skip
    assert moved["worse"]
    assert moved["p_value"] < 1e-5
    assert (moved["current"], moved["baseline"]) == (0.4, 0.9)
    assert (moved["current_n"], moved["baseline_n"]) == (20, 70)
    groups = {g["group"]: g for g in body["groups"]}
    assert groups["steady"]["current"] == {
        "sessions": 20, "judged": 20, "feedback": 0, "calls": 20,
    }  # fmt: skip
    steady = {m["metric"]: m for m in groups["steady"]["metrics"]}
    assert steady["completion_rate"]["direction"] == "flat"
    assert steady["p90_latency_ms"]["current"] == 900.0
    assert not any(m["significant"] for m in steady.values())
    assert steady["thumbs_up_rate"]["current"] is None  # no feedback: no rate


async def test_too_few_samples_never_count_as_moved(api: Api, key: str) -> None:
    docs = [session_doc(start=AT - timedelta(days=d, hours=1)) for d in range(8)]
    await submit(api, key, docs)
    body = await get(api, key, "/v1/degradations", at=iso(AT))
    assert body["moved"] == []
    assert body["groups"][0]["baseline"]["sessions"] == 7


async def test_window_longer_than_a_day_or_malformed_is_422(api: Api, key: str) -> None:
    for window in ("25h", "2d", "6x", "0h"):
        r = await api.client.get(
            "/v1/degradations", params={"window": window}, headers=api.auth(key)
        )
        assert r.status_code == 422, window
        assert r.json()["detail"][0]["loc"] == ["query", "window"]


def test_p90_latency_moves_past_half_again_with_enough_calls() -> None:
    rule = Rule(min_samples=20, max_change=0.5)
    slower = latency_shift("p90", (1500.0, 30), (900.0, 300), rule=rule)
    assert (slower.direction, slower.worse, slower.significant) == ("up", True, True)
    assert abs((slower.change or 0) - 2 / 3) < 1e-12
    assert not latency_shift("p90", (1300.0, 30), (900.0, 300), rule=rule).significant
    assert not latency_shift("p90", (1500.0, 19), (900.0, 300), rule=rule).significant
    faster = latency_shift("p90", (400.0, 30), (900.0, 300), rule=rule)
    assert (faster.direction, faster.worse, faster.significant) == ("down", False, True)


def test_rates_without_observations_are_flat_and_never_significant() -> None:
    shift = rate_shift("thumbs_up_rate", (0, 0), (50, 100), higher_is_worse=False, rule=Rule())
    assert (shift.current, shift.direction, shift.significant) == (None, "flat", False)
