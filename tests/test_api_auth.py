"""Keys, scopes and the wall between projects."""

from __future__ import annotations

from tests.conftest import Api
from tests.sessions import session_doc


async def test_healthz_needs_no_key(pg_api: Api) -> None:
    assert (await pg_api.client.get("/healthz")).json() == {"status": "ok"}


async def test_v1_routes_refuse_missing_and_unknown_keys(pg_api: Api) -> None:
    missing = await pg_api.client.get("/v1/sessions")
    unknown = await pg_api.client.get("/v1/sessions", headers=pg_api.auth("sj_nope"))
    assert (missing.status_code, unknown.status_code) == (401, 401)
    assert missing.json()["error"] == "Unauthorized"


async def test_read_only_key_cannot_ingest(pg_api: Api) -> None:
    reader = await pg_api.new_key("read")
    r = await pg_api.client.post("/v1/sessions", json=session_doc(), headers=pg_api.auth(reader))
    assert r.status_code == 403


async def test_project_a_can_neither_read_nor_overwrite_project_b(api: Api) -> None:
    key_a = await api.new_key("ingest", "read")
    key_b = await api.new_key("ingest", "read")
    doc = session_doc("shared-id")
    assert (
        await api.client.post("/v1/sessions", json=doc, headers=api.auth(key_b))
    ).status_code == 201
    assert (
        await api.client.get("/v1/sessions/shared-id", headers=api.auth(key_a))
    ).status_code == 404
    events = await api.client.get("/v1/sessions/shared-id/events", headers=api.auth(key_a))
    assert events.status_code == 404
    assert (await api.client.get("/v1/sessions", headers=api.auth(key_a))).json()["items"] == []
    # A's submission under the same id is A's own session, not a change to B's.
    other = session_doc("shared-id", user_id="someone-else")
    r = await api.client.post("/v1/sessions", json=other, headers=api.auth(key_a))
    assert r.status_code == 201
    b_view = (await api.client.get("/v1/sessions/shared-id", headers=api.auth(key_b))).json()
    assert b_view["user_id"] == "u1"


async def test_keys_are_stored_hashed(pg_api: Api, pg_url: str) -> None:
    import asyncpg

    secret = await pg_api.new_key("read")
    conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        stored = await conn.fetch("SELECT key_hash FROM api_keys")
    finally:
        await conn.close()
    assert all(secret not in row["key_hash"] for row in stored)
    assert any(len(row["key_hash"]) == 64 for row in stored)
