"""An answer cut at ``max_output_tokens`` (``finish_reason: "length"``), end to end.

The client fails at once: no validation re-ask, no fault retry, one request. The job
marks the session ``failed`` with that reason and stores nothing; the outbox sweep tries
it again later, like any failed judgement, until ``max_judge_attempts``.

The sweep requeues every failed session it finds, so the tests that sweep have a
database of their own: a shared one would hand them other tests' failures, and leave
theirs to others.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from instructor import Mode
from sqlalchemy import func, select

from judge.client import JudgeFailed, LlmJudge
from judge.prompts import PromptRegistry
from judge.transcript import render_transcript
from rules import Session, compute_metrics
from store.migrate import upgrade_async
from store.models import SessionRow, VerdictRow
from tests.conftest import Api
from tests.fakellm import VERDICT, Answer, Cut, FakeLlm, Received, default_answer
from tests.sessions import session_doc
from tests.test_judge_flow import app_with
from workers.sweep import sweep

HALF_AN_ANSWER = json.dumps(VERDICT)[:70]
PROMPT = "outcome/v1"


def asking(session_id: str) -> dict[str, Any]:
    """A session whose first message names it, so its requests can be told apart: the
    test database is shared, and the sweep requeues other tests' failures too."""
    doc = session_doc(session_id)
    doc["events"][0]["text"] = f"Add a retry ({session_id})"
    return doc


def about(session_id: str, requests: list[Received]) -> list[Received]:
    return [r for r in requests if f"({session_id})" in r.content("user")]


@pytest.fixture
async def own_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'judge.db'}"
    await upgrade_async(url)
    return url


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON])
async def test_a_cut_answer_fails_at_once_with_the_limit_named(
    fake_llm: FakeLlm, mode: Mode
) -> None:
    fake_llm.script([Cut(HALF_AN_ANSWER)])
    prompt = PromptRegistry.load().get(PROMPT)
    session = Session.model_validate(session_doc("cut"))
    metrics = compute_metrics(session)
    judge = LlmJudge(
        base_url=fake_llm.url, api_key="k", model="m", max_retries=2, fault_retries=3, mode=mode
    )
    try:
        with pytest.raises(JudgeFailed) as failed:
            await judge.judge(
                prompt, render_transcript(session, metrics), metrics, metrics.termination_evidence
            )
    finally:
        await judge.close()
    assert failed.value.reason == f"answer cut at max_output_tokens={prompt.max_output_tokens}"
    assert failed.value.attempts == 1
    [request] = fake_llm.requests
    assert request.body["max_tokens"] == prompt.max_output_tokens


async def _stored(api: Api, session_id: str) -> tuple[int, int]:
    """The session's verdict rows and judge attempts, straight from the database."""
    async with api.state.sessions() as db:
        row = (
            await db.execute(
                select(SessionRow.pk, SessionRow.judge_attempts).where(
                    SessionRow.session_id == session_id
                )
            )
        ).one()
        verdicts = await db.scalar(
            select(func.count()).select_from(VerdictRow).where(VerdictRow.session_pk == row.pk)
        )
    return int(verdicts or 0), row.judge_attempts


async def test_a_cut_answer_fails_the_job_cleanly_and_the_sweep_retries_it(
    own_db: str, fake_llm: FakeLlm
) -> None:
    fake_llm.script([Cut(HALF_AN_ANSWER)])  # then the default: a whole verdict
    async with app_with(own_db, llm_base_url=fake_llm.url, retry_failed_after_seconds=0) as api:
        key = await api.new_key("ingest", "read")
        r = await api.client.post("/v1/sessions", json=asking("cut-1"), headers=api.auth(key))
        assert r.status_code == 201
        await api.settle()
        got = (await api.client.get("/v1/sessions/cut-1", headers=api.auth(key))).json()
        assert got["judge_status"] == "failed"
        assert got["judge_reason"] == "answer cut at max_output_tokens=800 (after 1 attempts)"
        assert got["verdicts"] == []
        assert await _stored(api, "cut-1") == (0, 1)  # no verdict, one attempt
        assert len(about("cut-1", fake_llm.requests)) == 1

        await sweep(api.state.jobs)
        await api.settle()
        again = (await api.client.get("/v1/sessions/cut-1", headers=api.auth(key))).json()
    assert again["judge_status"] == "judged"
    assert len(again["verdicts"]) == 1
    assert len(about("cut-1", fake_llm.requests)) == 2


async def test_the_sweep_gives_up_on_cut_answers_after_the_maximum_attempts(
    own_db: str, fake_llm: FakeLlm
) -> None:
    def cut_for_this_test(received: Received) -> Answer:
        return Cut(HALF_AN_ANSWER) if about("cut-2", [received]) else default_answer(received)

    fake_llm.default = cut_for_this_test
    settings = {"retry_failed_after_seconds": 0, "max_judge_attempts": 2}
    async with app_with(own_db, llm_base_url=fake_llm.url, **settings) as api:
        key = await api.new_key("ingest", "read")
        r = await api.client.post("/v1/sessions", json=asking("cut-2"), headers=api.auth(key))
        assert r.status_code == 201
        await api.settle()
        for _ in range(3):
            await sweep(api.state.jobs)
            await api.settle()
        got = (await api.client.get("/v1/sessions/cut-2", headers=api.auth(key))).json()
        stored = await _stored(api, "cut-2")
    assert got["judge_status"] == "failed"
    assert stored == (0, 2)
    assert len(about("cut-2", fake_llm.requests)) == 2
