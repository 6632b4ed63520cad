"""Bad input gets a clear 4xx naming the field, or is accepted as documented; never a 500,
never a half-stored session."""

from __future__ import annotations

import orjson
import pytest

from rules.limits import TRUNCATION_MARKER
from tests.conftest import Api
from tests.sessions import session_doc


async def _post_raw(api: Api, key: str, body: bytes) -> tuple[int, dict[str, object]]:
    headers = api.auth(key) | {"content-type": "application/json"}
    r = await api.client.post("/v1/sessions", content=body, headers=headers)
    return r.status_code, r.json()


async def test_malformed_json_is_a_422_on_the_body(api: Api, key: str) -> None:
    status, body = await _post_raw(api, key, b'{"session_id": "x", "events": [')
    assert status == 422
    assert body["detail"][0]["loc"] == ["body"]  # type: ignore[index]


async def test_non_utf8_body_is_a_422(api: Api, key: str) -> None:
    status, body = await _post_raw(api, key, b'{"session_id": "\xff\xfe"}')
    assert status == 422
    assert body["error"] == "ValidationError"


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"session_id": 42}, ["body", "session_id"]),
        ({"events": "nope"}, ["body", "events"]),
        ({"end_reason": "exploded"}, ["body", "end_reason"]),
        ({"started_at": "yesterday"}, ["body", "started_at"]),
        (
            {"events": [{"type": "llm_call", "ts": "2026-11-21T10:00:00Z", "latency_ms": -1}]},
            ["body", "events", 0, "latency_ms"],
        ),
        ({"events": [{"type": "tool_call"}]}, ["body", "events", 0, "ts"]),
    ],
)
async def test_wrong_types_name_the_field(
    api: Api, key: str, patch: dict[str, object], loc: list[object]
) -> None:
    doc = session_doc() | patch
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]


async def test_missing_optional_fields_are_accepted(api: Api, key: str) -> None:
    doc = {"session_id": "bare", "events": [{"type": "user_message", "ts": 0}]}
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    got = (await api.client.get("/v1/sessions/bare", headers=api.auth(key))).json()
    assert got["metrics"]["duration_ms"] == 0
    assert got["end_reason"] is None


async def test_huge_strings_are_truncated_with_a_marker(api: Api, key: str) -> None:
    doc = session_doc("huge")
    limit = api.settings.max_string_chars
    doc["events"][0]["text"] = "x" * (limit + 1000)
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201
    events = (await api.client.get("/v1/sessions/huge/events", headers=api.auth(key))).json()
    text = events["events"][0]["text"]
    assert text.endswith(TRUNCATION_MARKER.format(n=1000))
    assert len(text) < limit + 100


async def test_more_events_than_the_limit_is_413(api: Api, key: str) -> None:
    doc = session_doc("many")
    doc["events"] = [{"type": "user_message", "ts": i} for i in range(api.settings.max_events + 1)]
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 413
    assert r.json()["error"] == "PayloadTooLarge"
    assert (await api.client.get("/v1/sessions/many", headers=api.auth(key))).status_code == 404


async def test_body_over_16_mb_is_413(api: Api, key: str) -> None:
    body = b'{"session_id": "big", "attributes": {"blob": "' + b"y" * (16 * 1024 * 1024) + b'"}}'
    status, payload = await _post_raw(api, key, body)
    assert status == 413
    assert payload["error"] == "PayloadTooLarge"


async def test_deeply_nested_args_are_refused_with_the_path(api: Api, key: str) -> None:
    nested: object = "leaf"
    for _ in range(200):
        nested = {"a": nested}
    doc = session_doc("deep")
    doc["events"][2]["args"] = nested
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 422
    loc = r.json()["detail"][0]["loc"]
    assert loc[:5] == ["body", "events", 2, "args", "a"]


async def test_counts_too_large_for_sql_are_refused_and_nothing_is_stored(
    api: Api, key: str
) -> None:
    doc = session_doc("atomic")
    doc["events"][1]["input_tokens"] = 2**60
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "events", 1, "input_tokens"]
    got = await api.client.get("/v1/sessions/atomic", headers=api.auth(key))
    assert got.status_code == 404


async def test_naive_time_filters_are_taken_as_utc(api: Api, key: str) -> None:
    r = await api.client.get(
        "/v1/sessions", params={"from": "2026-11-21T00:00:00"}, headers=api.auth(key)
    )
    assert r.status_code == 200


async def test_epoch_ms_and_rfc3339_are_the_same_instant(api: Api, key: str) -> None:
    a = session_doc("t-a", started_at="2026-11-21T10:00:00Z")
    b = session_doc("t-b", started_at=1795255200000)
    for doc in (a, b):
        assert (
            await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
        ).status_code == 201
    got_a = (await api.client.get("/v1/sessions/t-a", headers=api.auth(key))).json()
    got_b = (await api.client.get("/v1/sessions/t-b", headers=api.auth(key))).json()
    assert got_a["started_at"] == got_b["started_at"]
    assert orjson.loads(orjson.dumps(got_a["started_at"])).startswith("2026-11-21T10:00:00")


async def test_nul_characters_are_stored_as_replacement_characters(api: Api, key: str) -> None:
    doc = session_doc("nul", attributes={"k\x00": "v\x00"})
    doc["events"][0]["text"] = "a\x00b"
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    got = (await api.client.get("/v1/sessions/nul", headers=api.auth(key))).json()
    assert got["attributes"] == {"k\ufffd": "v\ufffd"}
    events = (await api.client.get("/v1/sessions/nul/events", headers=api.auth(key))).json()
    assert events["events"][0]["text"] == "a\ufffdb"
