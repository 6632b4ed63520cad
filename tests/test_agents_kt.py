"""Agents.KT hooks through the incremental API: the exact bodies of the README's Kotlin
snippet (``SessionJudgeHooks``), as kotlinx.serialization prints them."""

from __future__ import annotations

from tests.conftest import Api

SID = "kt-7d0c1f9e"
TOOL_USE = (
    '{"events":[{"id":"5a8e2b1c-0f4d-4a7e-9b1a-3c2d1e0f9a8b","type":"tool_call",'
    '"ts":1795255200000,"tool":"read_file","args":{"path":"src/App.kt"},'
    '"output":"class App","ok":true}],"session":{"source":"agents-kt","client_version":"0.4.0"}}'
)
KNOWLEDGE_USED = (
    '{"events":[{"id":"9c7b6a5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d","type":"knowledge_used",'
    '"ts":1795255201000,"name":"faq","chars":4823}],'
    '"session":{"source":"agents-kt","client_version":"0.4.0"}}'
)
SKILL_CHOSEN = (
    '{"events":[{"id":"1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e","type":"skill_chosen",'
    '"ts":1795255202000,"skill":"research"}],'
    '"session":{"source":"agents-kt","client_version":"0.4.0"}}'
)
CLOSE = '{"end_reason":"completed"}'


async def _post(api: Api, key: str, action: str, body: str) -> int:
    headers = {"content-type": "application/json", **api.auth(key)}
    r = await api.client.post(f"/v1/sessions/{SID}/{action}", content=body, headers=headers)
    assert r.status_code < 300, r.text
    return r.status_code


async def test_agents_kt_hooks_become_canonical_events(api: Api, key: str) -> None:
    for body in (TOOL_USE, KNOWLEDGE_USED, SKILL_CHOSEN, TOOL_USE):  # the last: an HTTP retry
        await _post(api, key, "events", body)
    assert await _post(api, key, "close", CLOSE) == 201
    got = (await api.client.get(f"/v1/sessions/{SID}", headers=api.auth(key))).json()
    assert (got["source"], got["client_version"], got["end_reason"]) == (
        "agents-kt",
        "0.4.0",
        "completed",
    )
    assert got["metrics"]["tool_calls_by_tool"] == {"read_file": 1}
    events = (await api.client.get(f"/v1/sessions/{SID}/events", headers=api.auth(key))).json()
    tool, knowledge, skill = events["events"]
    assert (tool["type"], tool["tool"], tool["args"], tool["output"], tool["ok"]) == (
        "tool_call",
        "read_file",
        {"path": "src/App.kt"},
        "class App",
        True,
    )
    assert (knowledge["type"], knowledge["name"], knowledge["chars"]) == (
        "knowledge_used",
        "faq",
        4823,
    )
    assert (skill["type"], skill["skill"]) == ("skill_chosen", "research")
