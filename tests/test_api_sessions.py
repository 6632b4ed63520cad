"""Submitting, reading and listing sessions through the HTTP API, on both backends."""

from __future__ import annotations

import copy

from tests.conftest import Api
from tests.sessions import session_doc


async def test_new_session_is_created_with_metrics(api: Api, key: str) -> None:
    doc = session_doc("s-1")
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "created"
    got = (await api.client.get("/v1/sessions/s-1", headers=api.auth(key))).json()
    assert got["judge_status"] in {"pending", "queued", "judged"}
    assert got["source"] == "kilocode"
    assert got["model"] == "claude-sonnet-4"
    metrics = got["metrics"]
    assert metrics["user_turns"] == 1
    assert metrics["steps"] == 3
    assert metrics["tool_calls"] == 3
    assert metrics["termination_evidence"]["termination"] == "completed"


async def test_duplicate_submission_stores_nothing_new(api: Api, key: str) -> None:
    doc = session_doc("dup")
    first = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    again = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "duplicate"
    page = (await api.client.get("/v1/sessions", headers=api.auth(key))).json()
    assert [s["session_id"] for s in page["items"]] == ["dup"]


async def test_different_content_under_known_id_conflicts_until_replaced(
    api: Api, key: str
) -> None:
    doc = session_doc("c1")
    await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    changed = copy.deepcopy(doc)
    changed["events"].append({"type": "error", "ts": "2026-11-21T10:05:00Z", "message": "boom"})
    conflict = await api.client.post("/v1/sessions", json=changed, headers=api.auth(key))
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "Conflict"
    replaced = await api.client.post(
        "/v1/sessions", params={"replace": "true"}, json=changed, headers=api.auth(key)
    )
    assert replaced.status_code == 200
    assert replaced.json()["status"] == "replaced"
    got = (await api.client.get("/v1/sessions/c1", headers=api.auth(key))).json()
    assert got["metrics"]["errors_by_type"] == {"error": 1}
    events = (await api.client.get("/v1/sessions/c1/events", headers=api.auth(key))).json()
    assert len(events["events"]) == len(changed["events"])


async def test_batch_answers_per_item(api: Api, key: str) -> None:
    good = session_doc("b1")
    bad = session_doc("b2")
    bad["events"][0]["ts"] = "not a time"
    body = {"sessions": [good, bad, good, session_doc("b3")]}
    r = await api.client.post("/v1/sessions:batch", json=body, headers=api.auth(key))
    assert r.status_code == 200, r.text
    result = r.json()
    assert [i["status"] for i in result["items"]] == ["created", "rejected", "duplicate", "created"]
    rejected = result["items"][1]
    assert rejected["status_code"] == 422
    assert rejected["detail"][0]["loc"] == ["body", "sessions", 1, "events", 0, "ts"]
    assert (result["created"], result["duplicates"], result["rejected"]) == (2, 1, 1)


async def test_events_are_returned_sorted_by_ts_stably(api: Api, key: str) -> None:
    doc = session_doc("order", n_events=3)
    doc["events"] = [
        {"type": "assistant_message", "ts": "2026-11-21T10:00:02Z", "text": "b"},
        {"type": "user_message", "ts": 1795255200000, "text": "a"},
        {"type": "assistant_message", "ts": "2026-11-21T10:00:02Z", "text": "c"},
        {"type": "mystery", "ts": "2026-11-21T10:00:03Z", "weird": 1},
    ]
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    events = (await api.client.get("/v1/sessions/order/events", headers=api.auth(key))).json()
    assert [e.get("text") for e in events["events"]] == ["a", "b", "c", None]
    assert events["events"][3]["type"] == "mystery"
    assert events["events"][3]["attributes"] == {"weird": 1}


async def test_list_filters_and_paginates_with_a_cursor(api: Api, key: str) -> None:
    for i in range(5):
        doc = session_doc(f"l{i}", source="cline" if i % 2 else "kilocode")
        await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "source": "kilocode"} | ({"cursor": cursor} if cursor else {})
        page = (await api.client.get("/v1/sessions", params=params, headers=api.auth(key))).json()
        seen += [s["session_id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["l0", "l2", "l4"]
    bad = await api.client.get("/v1/sessions", params={"cursor": "zzz"}, headers=api.auth(key))
    assert bad.status_code == 422


async def test_unknown_top_level_fields_are_kept_in_attributes(api: Api, key: str) -> None:
    doc = session_doc("attrs", attributes={"org": "acme"}, team="core")
    await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    got = (await api.client.get("/v1/sessions/attrs", headers=api.auth(key))).json()
    assert got["attributes"] == {"org": "acme", "team": "core"}
