"""Every closed session gets a verdict: offline, through the LLM, and never twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select

from store.models import SessionRow, VerdictRow
from tests.conftest import Api, serve_api
from tests.fakellm import FakeLlm, Status
from tests.sessions import session_doc
from workers.judging import judge_session
from workers.sweep import sweep


@asynccontextmanager
async def app_with(url: str, **overrides: Any) -> AsyncIterator[Api]:
    async for api in serve_api(url, sweep_interval_seconds=3600, **overrides):
        yield api


async def _submit(api: Api, key: str, session_id: str, **fields: Any) -> dict[str, Any]:
    r = await api.client.post(
        "/v1/sessions", json=session_doc(session_id, **fields), headers=api.auth(key)
    )
    assert r.status_code == 201, r.text
    await api.settle()
    got: dict[str, Any] = (
        await api.client.get(f"/v1/sessions/{session_id}", headers=api.auth(key))
    ).json()
    return got


async def _verdict_count(api: Api, session_id: str) -> int:
    async with api.state.sessions() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(VerdictRow)
            .join(SessionRow, SessionRow.pk == VerdictRow.session_pk)
            .where(SessionRow.session_id == session_id)
        )
    return int(count or 0)


async def test_offline_judge_answers_without_an_llm(api: Api, key: str) -> None:
    got = await _submit(api, key, "off-1")
    assert got["judge_status"] == "judged"
    [verdict] = got["verdicts"]
    assert verdict["judge_model"] == "offline"
    assert verdict["prompt"] == "outcome/v1"
    assert verdict["termination"] == "completed"
    assert verdict["rationale"].startswith("offline judge")


async def test_llm_judge_verdict_is_stored_with_its_stamp(pg_url: str, fake_llm: FakeLlm) -> None:
    fake_llm.script(
        [
            {
                "termination": "abandoned",
                "helpfulness": "unhelpful",
                "confidence": 0.7,
                "user_sentiment": "frustrated",
                "rationale": "User left.",
                "evidence": [0],
            }
        ]
    )
    async with app_with(pg_url, llm_base_url=fake_llm.url, llm_model="judge-model") as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, "llm-1")
    assert got["judge_status"] == "judged"
    [verdict] = got["verdicts"]
    assert (verdict["termination"], verdict["helpfulness"]) == ("abandoned", "unhelpful")
    assert verdict["judge_model"] == "judge-model"
    assert verdict["evidence"] == [0]
    assert verdict["input_tokens"] > 0
    assert verdict["attempts"] == 1
    assert len(verdict["input_hash"]) == 64
    assert len(verdict["prompt_hash"]) == 64
    [request] = fake_llm.requests
    assert "Add a retry" in request.content("user")
    assert request.body["model"] == "judge-model"


async def test_racing_jobs_write_one_verdict(pg_url: str, fake_llm: FakeLlm) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, sweep_after_seconds=3600) as api:
        key = await api.new_key("ingest", "read")
        await _submit(api, key, "race-1")
        async with api.state.sessions() as db:
            pk = await db.scalar(select(SessionRow.pk).where(SessionRow.session_id == "race-1"))
            row = await db.get(SessionRow, pk)
            assert row is not None
            row.judge_status = "queued"  # as if the job were delivered twice more
            await db.commit()
        assert pk is not None
        await asyncio.gather(*(judge_session(api.state.jobs, pk, "outcome/v1") for _ in range(3)))
        assert await _verdict_count(api, "race-1") == 1


async def test_failing_llm_marks_failed_and_a_later_sweep_recovers(
    pg_url: str, fake_llm: FakeLlm
) -> None:
    fake_llm.script([Status(500)] * 3)
    async with app_with(
        pg_url, llm_base_url=fake_llm.url, llm_fault_retries=2, llm_backoff=0.01,
        retry_failed_after_seconds=0,
    ) as api:  # fmt: skip
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, "fail-1")
        assert got["judge_status"] == "failed"
        assert "500" in got["judge_reason"] or "server" in got["judge_reason"].lower()
        assert got["verdicts"] == []
        await sweep(api.state.jobs)
        await api.settle()
        again = (await api.client.get("/v1/sessions/fail-1", headers=api.auth(key))).json()
    assert again["judge_status"] == "judged"
    assert len(again["verdicts"]) == 1


async def test_sampling_and_filters_skip_with_the_reason(pg_url: str) -> None:
    async with app_with(pg_url, judge_sample_rate=0.0) as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, "sampled")
    assert (got["judge_status"], got["judge_reason"]) == ("skipped", "sampled_out")
    async with app_with(pg_url, judge_sources=["cline"]) as api:
        key = await api.new_key("ingest", "read")
        got = await _submit(api, key, "filtered")
    assert got["judge_status"] == "skipped"
    assert "source" in got["judge_reason"]


async def test_daily_token_budget_pauses_judging(pg_url: str, fake_llm: FakeLlm) -> None:
    async with app_with(pg_url, llm_base_url=fake_llm.url, daily_token_budget=1) as api:
        key = await api.new_key("ingest", "read")
        first = await _submit(api, key, "budget-1")
        second = await _submit(api, key, "budget-2")
    assert first["judge_status"] == "judged"
    assert (second["judge_status"], second["judge_reason"]) == ("skipped", "over_budget")
    assert len(fake_llm.requests) == 1


async def test_sessions_accepted_while_redis_is_down_are_judged_later(pg_url: str) -> None:
    async with app_with(pg_url, redis_url="redis://127.0.0.1:1/0") as api:
        key = await api.new_key("ingest", "read")
        r = await api.client.post(
            "/v1/sessions", json=session_doc("no-redis"), headers=api.auth(key)
        )
        assert r.status_code == 201
        got = (await api.client.get("/v1/sessions/no-redis", headers=api.auth(key))).json()
        assert got["judge_status"] == "pending"
    async with app_with(pg_url, sweep_after_seconds=0) as api:
        await sweep(api.state.jobs)
        await api.settle()
        got = (await api.client.get("/v1/sessions/no-redis", headers=api.auth(key))).json()
    assert got["judge_status"] == "judged"
    assert len(got["verdicts"]) == 1


async def test_verdict_list_filters_and_paginates(api: Api, key: str) -> None:
    for i in range(3):
        await _submit(api, key, f"vl-{i}")
    await _submit(api, key, "vl-err", end_reason="error", events=[
        {"type": "user_message", "ts": "2026-11-21T10:00:00Z", "text": "go"},
        {"type": "error", "ts": "2026-11-21T10:00:01Z", "error_type": "crash", "message": "x"},
    ])  # fmt: skip
    page = (await api.client.get("/v1/verdicts", params={"limit": 2}, headers=api.auth(key))).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    rest = (await api.client.get(
        "/v1/verdicts", params={"limit": 2, "cursor": page["next_cursor"]}, headers=api.auth(key)
    )).json()  # fmt: skip
    ids = {v["session_id"] for v in page["items"] + rest["items"]}
    assert ids == {"vl-0", "vl-1", "vl-2", "vl-err"}
    errored = (await api.client.get(
        "/v1/verdicts", params={"termination": "errored"}, headers=api.auth(key)
    )).json()  # fmt: skip
    assert [v["session_id"] for v in errored["items"]] == ["vl-err"]
    bad = await api.client.get("/v1/verdicts", params={"termination": "meh"}, headers=api.auth(key))
    assert bad.status_code == 422


async def test_prompts_list_hashes_and_first_use(api: Api, key: str) -> None:
    await _submit(api, key, "pr-1")
    prompts = (await api.client.get("/v1/prompts", headers=api.auth(key))).json()
    by_key = {p["key"]: p for p in prompts}
    assert {"outcome/v1", "outcome/v2"} <= set(by_key)
    assert by_key["outcome/v1"]["current"] is True
    assert by_key["outcome/v1"]["first_used_at"] is not None
    assert len(by_key["outcome/v2"]["content_hash"]) == 64
