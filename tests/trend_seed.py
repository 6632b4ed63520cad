"""Placing sessions in time, with hand-made verdicts, for the trend and dashboard tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from store.keys import authenticate
from store.models import SessionRow
from store.verdicts import insert_verdict
from tests.conftest import Api

HAND = "hand/v1"
"""The prompt of hand-made verdicts; the offline judge writes outcome/v1 alongside."""


async def submit(api: Api, key: str, docs: list[dict[str, Any]]) -> None:
    """Store ``docs`` through the batch API and let the in-process judge finish."""
    for i in range(0, len(docs), 500):
        r = await api.client.post(
            "/v1/sessions:batch", json={"sessions": docs[i : i + 500]}, headers=api.auth(key)
        )
        assert r.status_code == 200, r.text
        assert r.json()["created"] == len(docs[i : i + 500]), r.text
    await api.settle()


async def project_of(api: Api, key: str) -> int:
    async with api.state.sessions() as db:
        principal = await authenticate(db, key)
    assert principal is not None
    return principal.project_id


async def judge(
    api: Api, key: str, verdicts: dict[str, tuple[str, str, float]], prompt: str = HAND
) -> None:
    """Give each session id a verdict (termination, helpfulness, confidence) of ``prompt``."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        pks = dict(
            (await db.execute(
                select(SessionRow.session_id, SessionRow.pk).where(
                    SessionRow.project_id == project_id, SessionRow.session_id.in_(verdicts)
                )
            )).all()
        )  # fmt: skip
        for session_id, (termination, helpfulness, confidence) in verdicts.items():
            pk = pks[session_id]
            await insert_verdict(db, {
                "project_id": project_id, "session_pk": pk, "prompt": prompt,
                "prompt_hash": "h", "judge_model": "hand", "input_hash": "i",
                "dedupe_key": f"{pk}:{prompt}:hand", "termination": termination,
                "helpfulness": helpfulness, "confidence": confidence,
                "user_sentiment": "neutral", "rationale": "hand-made", "evidence": [],
                "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "latency_ms": 0.0,
                "attempts": 1, "run_id": None, "raw": None, "created_at": datetime.now(UTC),
            })  # fmt: skip
        await db.commit()


async def thumbs(
    api: Api, key: str, session_id: str, rating: str, ts: str, user_id: str | None = None
) -> int:
    """Post one click; answer the status code."""
    body: dict[str, Any] = {"rating": rating, "ts": ts}
    if user_id is not None:
        body["user_id"] = user_id
    r = await api.client.post(
        f"/v1/sessions/{session_id}/feedback", json=body, headers=api.auth(key)
    )
    assert r.status_code in (200, 201), r.text
    return r.status_code


async def get(api: Api, key: str, path: str, **params: Any) -> Any:
    r = await api.client.get(path, params=params, headers=api.auth(key))
    assert r.status_code == 200, r.text
    return r.json()
