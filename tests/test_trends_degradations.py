"""The degradation check's LLM calls keep every session filter and session grouping: the
calls are read apart from their sessions only when neither needs them."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import get, submit

AT = BASE.replace(hour=12)  # the current window is 06:00-12:00 on 2026-11-21


async def test_llm_calls_follow_the_session_filters_and_groups(api: Api, key: str) -> None:
    docs = [
        session_doc(f"{source}-{i}", start=AT - timedelta(hours=5, minutes=i), source=source)
        for source, count in (("cline", 2), ("kilocode", 3))
        for i in range(count)
    ]  # session_doc: 3 llm calls each
    await submit(api, key, docs)

    async def calls(**params: str) -> dict[str | None, int]:
        body = await get(api, key, "/v1/degradations", at=iso(AT), **params)
        return {g["group"]: g["current"]["calls"] for g in body["groups"]}

    assert await calls() == {"claude-sonnet-4": 15}  # the calls' own model: no session read
    assert await calls(source="cline") == {"claude-sonnet-4": 6}
    assert await calls(group_by="source") == {"cline": 6, "kilocode": 9}
    assert await calls(group_by="none", end_reason="error") == {None: 0}
