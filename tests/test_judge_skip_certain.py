"""With ``judge_skip_certain``, sessions whose termination the rules are certain of get the
offline judge's verdict and no LLM call; everything else, and every run, still asks it."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY

from tests.conftest import Api
from tests.fakellm import VERDICT, FakeLlm, default_answer
from tests.test_judge_flow import app_with
from tests.test_judge_length_cut import about, asking
from tests.test_runs import _wait_done

SKIP: dict[str, Any] = {"judge_skip_certain": True, "llm_model": "judge-model"}
DAY = {"from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z", "bucket": "day"}


def _left(session_id: str) -> dict[str, Any]:
    """No completion event and the user closed: abandoned at 0.75, not certain."""
    doc = asking(session_id) | {"end_reason": "user_closed"}
    doc["events"] = [e for e in doc["events"] if e["type"] != "completion"]
    return doc


def _skipped_count() -> float:
    value = REGISTRY.get_sample_value(
        "session_judge_judge_llm_skipped_total", {"reason": "certain_termination"}
    )
    return value or 0.0


async def _submit(api: Api, key: str, doc: dict[str, Any]) -> dict[str, Any]:
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    await api.settle()
    got = await api.client.get(f"/v1/sessions/{doc['session_id']}", headers=api.auth(key))
    body: dict[str, Any] = got.json()
    return body


async def test_certain_session_is_judged_without_the_llm(pg_url: str, fake_llm: FakeLlm) -> None:
    skipped_before = _skipped_count()
    async with app_with(pg_url, llm_base_url=fake_llm.url, **SKIP) as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, asking("certain-1"))  # completion, end reason agrees
        trend = await api.client.get("/v1/trends/outcomes", params=DAY, headers=api.auth(key))
    assert about("certain-1", fake_llm.requests) == []
    assert got["judge_status"] == "judged"
    assert got["judge_reason"].startswith("LLM skipped, the rules are certain")
    [verdict] = got["verdicts"]
    assert verdict["judge_model"] == "offline"
    assert verdict["prompt"] == "outcome/v1"
    assert (verdict["termination"], verdict["helpfulness"]) == ("completed", "helpful")
    assert verdict["rationale"].startswith(
        "offline judge: LLM skipped, the rules are certain the session completed (confidence 0.95)"
    )
    assert (verdict["input_tokens"], verdict["output_tokens"], verdict["cost_usd"]) == (0, 0, 0)
    assert verdict["attempts"] == 0
    [point] = trend.json()["points"]
    assert (point["judged"], point["termination"]["completed"]) == (1, 1)
    assert _skipped_count() >= skipped_before + 1  # other tests' sessions may be swept too


async def test_uncertain_session_still_asks_the_llm(pg_url: str, fake_llm: FakeLlm) -> None:
    left = VERDICT | {"termination": "abandoned", "helpfulness": "unhelpful"}
    fake_llm.default = lambda got: left if about("uncertain-1", [got]) else default_answer(got)
    async with app_with(pg_url, llm_base_url=fake_llm.url, **SKIP) as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, _left("uncertain-1"))
    assert len(about("uncertain-1", fake_llm.requests)) == 1
    [verdict] = got["verdicts"]
    assert verdict["judge_model"] == "judge-model"
    assert verdict["termination"] == "abandoned"
    assert got["judge_reason"] is None


async def test_setting_off_asks_the_llm_even_when_certain(pg_url: str, fake_llm: FakeLlm) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, llm_model="judge-model") as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, asking("certain-off"))
    assert len(about("certain-off", fake_llm.requests)) == 1
    assert got["verdicts"][0]["judge_model"] == "judge-model"


async def test_a_higher_confidence_floor_keeps_less_certain_endings_for_the_llm(
    pg_url: str, fake_llm: FakeLlm
) -> None:
    # A completion as the last event but no end reason: certain, at 0.9.
    settings = SKIP | {"judge_skip_min_confidence": 0.95}
    async with app_with(pg_url, llm_base_url=fake_llm.url, **settings) as api:
        key = await api.new_key("ingest", "read")
        unconfirmed = await _submit(api, key, asking("floor-1") | {"end_reason": None})
        confirmed = await _submit(api, key, asking("floor-2"))
    assert len(about("floor-1", fake_llm.requests)) == 1
    assert about("floor-2", fake_llm.requests) == []
    assert unconfirmed["verdicts"][0]["judge_model"] == "judge-model"
    assert confirmed["verdicts"][0]["judge_model"] == "offline"


async def test_reprocessing_runs_always_ask_the_llm(pg_url: str, fake_llm: FakeLlm) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, **SKIP) as api:
        key = await api.new_key("ingest", "read", "admin")
        await _submit(api, key, asking("run-1"))
        assert about("run-1", fake_llm.requests) == []
        r = await api.client.post("/v1/runs", json={"prompt": "outcome/v2"}, headers=api.auth(key))
        assert r.status_code == 201, r.text
        run = await _wait_done(api, key, r.json()["id"])
        got = (await api.client.get("/v1/sessions/run-1", headers=api.auth(key))).json()
    assert (run["total"], run["done"]) == (1, 1)
    assert len(about("run-1", fake_llm.requests)) == 1
    models = {(v["prompt"], v["judge_model"]) for v in got["verdicts"]}
    assert models == {("outcome/v1", "offline"), ("outcome/v2", "judge-model")}


async def test_the_token_budget_does_not_hold_back_certain_sessions(
    pg_url: str, fake_llm: FakeLlm
) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, daily_token_budget=1, **SKIP) as api:
        key = await api.new_key("ingest", "read")
        spent = await _submit(api, key, _left("budget-llm"))  # the LLM, and the budget is gone
        over = await _submit(api, key, _left("budget-over"))
        certain = await _submit(api, key, asking("budget-certain"))
    assert spent["judge_status"] == "judged"
    assert (over["judge_status"], over["judge_reason"]) == ("skipped", "over_budget")
    assert certain["judge_status"] == "judged"
    assert certain["verdicts"][0]["judge_model"] == "offline"
