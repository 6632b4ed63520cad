"""Reprocessing history with a prompt version, and comparing it with the baseline."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Api
from tests.fakellm import VERDICT, Delay, FakeLlm, Received
from tests.sessions import session_doc
from tests.test_judge_flow import app_with


async def _seed(api: Api, key: str, n: int) -> None:
    body = {"sessions": [session_doc(f"r-{i}", source="cline" if i % 2 else "kilocode")
                         for i in range(n)]}  # fmt: skip
    r = await api.client.post("/v1/sessions:batch", json=body, headers=api.auth(key))
    assert r.json()["created"] == n
    await api.settle()


async def _wait_done(api: Api, key: str, run_id: int) -> dict[str, Any]:
    for _ in range(200):
        await api.settle()
        run: dict[str, Any] = (
            await api.client.get(f"/v1/runs/{run_id}", headers=api.auth(key))
        ).json()
        if run["status"] in {"done", "cancelled", "failed"}:
            return run
        await asyncio.sleep(0.02)
    raise AssertionError(f"run {run_id} did not finish: {run}")


async def test_dry_run_answers_count_and_estimated_tokens(api: Api) -> None:
    key = await api.new_key("ingest", "read", "admin")
    await _seed(api, key, 4)
    body = {"prompt": "outcome/v2", "filter": {"source": "cline"}, "dry_run": True}
    r = await api.client.post("/v1/runs", json=body, headers=api.auth(key))
    assert r.status_code == 200, r.text
    dry = r.json()
    assert dry["sessions"] == 2
    assert dry["estimated_input_tokens"] > 2 * 100  # the prompt alone is hundreds of tokens


async def test_run_judges_matching_sessions_and_compares_with_baseline(
    pg_url: str, fake_llm: FakeLlm
) -> None:
    def by_version(received: Received) -> dict[str, Any]:
        v2 = "rubric" in received.content("user").lower()  # only v2 grades with a rubric
        return {
            "termination": "completed",
            "helpfulness": "partially_helpful" if v2 else "helpful",
            "confidence": 0.8,
            "user_sentiment": "neutral",
            "rationale": "ok",
            "evidence": [],
        }

    fake_llm.default = by_version
    async with app_with(pg_url, llm_base_url=fake_llm.url) as api:
        key = await api.new_key("ingest", "read", "admin")
        await _seed(api, key, 4)
        before = len(fake_llm.requests)
        r = await api.client.post("/v1/runs", json={"prompt": "outcome/v2"}, headers=api.auth(key))
        assert r.status_code == 201, r.text
        run = await _wait_done(api, key, r.json()["id"])
        assert (run["total"], run["done"], run["failed"]) == (4, 4, 0)
        assert run["input_tokens"] > 0
        assert len(fake_llm.requests) - before == 4
        cmp = (await api.client.get(
            f"/v1/runs/{run['id']}/comparison", params={"baseline": "outcome/v1"},
            headers=api.auth(key),
        )).json()  # fmt: skip
    assert cmp["sessions"] == 4
    assert cmp["termination"]["agreement"] == 1.0
    helpful = cmp["helpfulness"]
    assert helpful["matrix"]["helpful"]["partially_helpful"] == 4
    assert helpful["agreement"] == 0.0
    assert len(cmp["flipped"]) == 4


async def test_rerun_with_same_input_makes_no_new_call_unless_forced(
    pg_url: str, fake_llm: FakeLlm
) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url) as api:
        key = await api.new_key("ingest", "read", "admin")
        await _seed(api, key, 2)
        assert len(fake_llm.requests) == 2
        plain = await api.client.post(
            "/v1/runs", json={"prompt": "outcome/v1"}, headers=api.auth(key)
        )
        run = await _wait_done(api, key, plain.json()["id"])
        assert run["done"] == 2
        assert len(fake_llm.requests) == 2
        forced = await api.client.post(
            "/v1/runs", json={"prompt": "outcome/v1", "force": True}, headers=api.auth(key)
        )
        run = await _wait_done(api, key, forced.json()["id"])
        assert run["done"] == 2
        assert len(fake_llm.requests) == 4


async def test_cancel_stops_a_run(pg_url: str, fake_llm: FakeLlm) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, judge_concurrency=1) as api:
        key = await api.new_key("ingest", "read", "admin")
        await _seed(api, key, 4)
        fake_llm.default = lambda _: Delay(0.3, dict(VERDICT))
        r = await api.client.post("/v1/runs", json={"prompt": "outcome/v2"}, headers=api.auth(key))
        run_id = r.json()["id"]
        while not fake_llm.requests[4:]:
            await asyncio.sleep(0.01)
        cancelled = await api.client.post(f"/v1/runs/{run_id}/cancel", headers=api.auth(key))
        assert cancelled.json()["status"] == "cancelled"
        run = await _wait_done(api, key, run_id)
    assert run["status"] == "cancelled"
    assert run["done"] <= 1
    assert run["skipped"] >= 3
    assert len(fake_llm.requests) <= 6


async def test_runs_need_admin_and_a_known_prompt(api: Api) -> None:
    reader = await api.new_key("ingest", "read")
    denied = await api.client.post(
        "/v1/runs", json={"prompt": "outcome/v2"}, headers=api.auth(reader)
    )
    assert denied.status_code == 403
    admin = await api.new_key("admin")
    unknown = await api.client.post(
        "/v1/runs", json={"prompt": "outcome/v9"}, headers=api.auth(admin)
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "prompt"]
    missing = await api.client.get("/v1/runs/999999", headers=api.auth(admin))
    assert missing.status_code == 404
