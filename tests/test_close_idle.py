"""The sweep closes open sessions idle for longer than the timeout, end reason timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from store.models import OpenSession
from tests.conftest import Api
from tests.sessions import session_doc
from workers.close_idle import close_idle
from workers.sweep import sweep


async def _open(api: Api, key: str, sid: str) -> None:
    events = session_doc(n_events=4)["events"]
    r = await api.client.post(
        f"/v1/sessions/{sid}/events", json={"events": events}, headers=api.auth(key)
    )
    assert r.status_code == 200, r.text


async def age_open_session(api: Api, sid: str, seconds: float) -> None:
    async with api.state.sessions() as db:
        await db.execute(
            update(OpenSession)
            .where(OpenSession.session_id == sid)
            .values(last_event_at=datetime.now(UTC) - timedelta(seconds=seconds))
        )
        await db.commit()


async def test_sweep_closes_idle_sessions_with_timeout(api: Api, key: str) -> None:
    await _open(api, key, "idle-1")
    await age_open_session(api, "idle-1", api.settings.open_session_idle_seconds + 5)
    result = await sweep(api.state.jobs)
    assert result["idle_closed"] >= 1
    got = (await api.client.get("/v1/sessions/idle-1", headers=api.auth(key))).json()
    assert got["end_reason"] == "timeout"
    assert got["ended_at"].startswith("2026-11-21T10:00:04")  # when the last event ended
    assert got["metrics"]["termination_evidence"]["termination"] == "completed"
    late = {"events": [{"type": "error", "ts": 1}]}
    r = await api.client.post("/v1/sessions/idle-1/events", json=late, headers=api.auth(key))
    assert r.status_code == 409


async def test_recently_active_sessions_stay_open(api: Api, key: str) -> None:
    await _open(api, key, "busy-1")
    await age_open_session(api, "busy-1", api.settings.open_session_idle_seconds - 60)
    await close_idle(api.state.jobs)
    r = await api.client.get("/v1/sessions/busy-1", headers=api.auth(key))
    assert r.status_code == 404
    closed = await api.client.post("/v1/sessions/busy-1/close", headers=api.auth(key))
    assert closed.status_code == 201
