"""Incremental sessions: append event batches to an open session, then close it."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.sessions import session_doc


def _events(doc: dict[str, Any], ids: bool = True) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = doc["events"]
    return [{**e, "id": f"e{i}"} if ids else e for i, e in enumerate(events)]


async def _append(api: Api, key: str, sid: str, body: dict[str, Any]) -> Any:
    return await api.client.post(f"/v1/sessions/{sid}/events", json=body, headers=api.auth(key))


async def _close(api: Api, key: str, sid: str, body: dict[str, Any] | None = None) -> Any:
    return await api.client.post(f"/v1/sessions/{sid}/close", json=body, headers=api.auth(key))


async def test_batches_then_close_store_the_session_with_metrics(api: Api, key: str) -> None:
    events = _events(session_doc(n_events=8))
    header = {"source": "agents-kt", "client_version": "0.3", "mode": "code", "team": "core"}
    first = await _append(api, key, "inc-1", {"events": events[:5], "session": header})
    assert first.status_code == 200, first.text
    assert first.json() == {"session_id": "inc-1", "appended": 5, "duplicates": 0, "event_count": 5}
    second = await _append(api, key, "inc-1", {"events": events[5:]})
    assert second.json()["event_count"] == 8
    assert (await api.client.get("/v1/sessions/inc-1", headers=api.auth(key))).status_code == 404
    closed = await _close(api, key, "inc-1", {"end_reason": "completed"})
    assert closed.status_code == 201, closed.text
    got = closed.json()
    assert (got["source"], got["client_version"], got["end_reason"]) == (
        "agents-kt",
        "0.3",
        "completed",
    )
    assert got["attributes"] == {"team": "core"}
    assert got["event_count"] == 8
    assert got["metrics"]["tool_calls"] == 3
    assert got["metrics"]["steps"] == 3
    assert got["judge_status"] in {"pending", "queued", "judged"}
    assert got["ended_at"] is not None
    stored = await api.client.get("/v1/sessions/inc-1/events", headers=api.auth(key))
    assert [e["id"] for e in stored.json()["events"]] == [e["id"] for e in events]


async def test_resent_events_with_ids_are_stored_once(api: Api, key: str) -> None:
    events = _events(session_doc(n_events=4))
    await _append(api, key, "inc-idem", {"events": events})
    again = await _append(api, key, "inc-idem", {"events": events})
    assert again.json()["appended"] == 0
    assert again.json()["duplicates"] == 4
    assert again.json()["event_count"] == 4


async def test_events_without_ids_always_append(api: Api, key: str) -> None:
    events = _events(session_doc(n_events=3), ids=False)
    await _append(api, key, "inc-noid", {"events": events})
    again = await _append(api, key, "inc-noid", {"events": events})
    assert again.json()["appended"] == 3
    assert again.json()["event_count"] == 6


async def test_closing_twice_answers_the_stored_session(api: Api, key: str) -> None:
    await _append(api, key, "inc-twice", {"events": _events(session_doc(n_events=3))})
    first = await _close(api, key, "inc-twice", {"end_reason": "user_closed"})
    second = await _close(api, key, "inc-twice", {"end_reason": "completed"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["end_reason"] == "user_closed"
    assert second.json()["session_id"] == "inc-twice"


async def test_close_without_body_uses_the_last_event_end(api: Api, key: str) -> None:
    events = [
        {"type": "user_message", "ts": "2026-11-21T10:00:00Z", "text": "hi"},
        {"type": "llm_call", "ts": "2026-11-21T10:00:01Z", "latency_ms": 2500, "ok": True},
    ]
    await _append(api, key, "inc-nobody", {"events": events})
    r = await api.client.post("/v1/sessions/inc-nobody/close", headers=api.auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["ended_at"].startswith("2026-11-21T10:00:03.5")
    assert r.json()["end_reason"] is None


async def test_appending_to_a_closed_session_conflicts(api: Api, key: str) -> None:
    await _append(api, key, "inc-late", {"events": _events(session_doc(n_events=3))})
    await _close(api, key, "inc-late")
    late = await _append(api, key, "inc-late", {"events": [{"type": "error", "ts": 1}]})
    assert late.status_code == 409
    assert late.json()["error"] == "Conflict"
    whole = session_doc("inc-whole")
    await api.client.post("/v1/sessions", json=whole, headers=api.auth(key))
    assert (await _append(api, key, "inc-whole", {"events": []})).status_code == 409


async def test_closing_an_unknown_session_is_not_found(api: Api, key: str) -> None:
    r = await _close(api, key, "never-opened")
    assert r.status_code == 404
    assert r.json()["error"] == "NotFound"


async def test_event_limit_counts_the_open_session(api: Api, key: str) -> None:
    limit = api.settings.max_events
    event = {"type": "assistant_message", "ts": 1, "text": "x"}
    too_many = await _append(api, key, "inc-big", {"events": [event] * (limit + 1)})
    assert too_many.status_code == 413
    await _append(api, key, "inc-big", {"events": [event] * (limit - 1)})
    over = await _append(api, key, "inc-big", {"events": [event] * 2})
    assert over.status_code == 413
    assert (await _append(api, key, "inc-big", {"events": [event]})).json()["event_count"] == limit


async def test_bad_input_names_the_field(api: Api, key: str) -> None:
    bad_event = await _append(api, key, "inc-bad", {"events": [{"type": "x", "ts": "soon"}]})
    assert bad_event.status_code == 422
    assert bad_event.json()["detail"][0]["loc"] == ["body", "events", 0, "ts"]
    bad_header = await _append(api, key, "inc-bad", {"events": [], "session": {"source": 1}})
    assert bad_header.json()["detail"][0]["loc"] == ["body", "session", "source"]
    at_close = await _append(api, key, "inc-bad", {"events": [], "session": {"end_reason": "x"}})
    assert at_close.json()["detail"][0]["loc"] == ["body", "session", "end_reason"]
    no_events = await _append(api, key, "inc-bad", {"session": {}})
    assert no_events.json()["detail"][0]["loc"] == ["body", "events"]
    bad_close = await _close(api, key, "inc-bad", {"end_reason": "bored"})
    assert bad_close.status_code == 422
    assert bad_close.json()["detail"][0]["loc"] == ["body", "end_reason"]


async def test_long_strings_are_truncated_not_rejected(api: Api, key: str) -> None:
    long = "x" * (api.settings.max_string_chars + 10)
    event = {"type": "user_message", "ts": 1, "text": long}
    assert (await _append(api, key, "inc-long", {"events": [event]})).status_code == 200
    await _close(api, key, "inc-long")
    stored = await api.client.get("/v1/sessions/inc-long/events", headers=api.auth(key))
    assert stored.json()["events"][0]["text"].endswith("…[truncated 10 chars]")


async def test_open_sessions_are_per_project(api: Api, key: str) -> None:
    other = await api.new_key("ingest", "read")
    await _append(api, key, "inc-shared", {"events": _events(session_doc(n_events=3))})
    assert (await _close(api, other, "inc-shared")).status_code == 404
    assert (await _close(api, key, "inc-shared")).status_code == 201


async def test_header_fields_merge_across_batches(api: Api, key: str) -> None:
    first = {"events": [], "session": {"source": "a", "attributes": {"x": 1}}}
    await _append(api, key, "inc-hdr", first)
    second = {"events": [], "session": {"user_id": "u9", "attributes": {"y": 2}}}
    await _append(api, key, "inc-hdr", second)
    got = (await _close(api, key, "inc-hdr")).json()
    assert (got["source"], got["user_id"], got["attributes"]) == ("a", "u9", {"x": 1, "y": 2})
