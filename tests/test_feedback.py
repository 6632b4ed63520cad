"""Thumbs feedback: through the API and inside sessions, before or after the session,
the latest click per user winning, never across projects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store.models import Feedback
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import get, project_of, submit, thumbs

DAY = {"from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z", "bucket": "day"}


async def _stored(api: Api, key: str) -> list[tuple[str, str, str, str]]:
    """(session_id, user_key, rating, origin) of the project's feedback rows."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        rows = await db.execute(
            select(Feedback.session_id, Feedback.user_key, Feedback.rating, Feedback.origin)
            .where(Feedback.project_id == project_id)
            .order_by(Feedback.session_id, Feedback.user_key)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_feedback_before_its_session_joins_when_the_session_arrives(
    api: Api, key: str
) -> None:
    assert await thumbs(api, key, "early", "up", iso(BASE + timedelta(minutes=30))) == 201
    [before] = (await get(api, key, "/v1/trends/outcomes", **DAY))["points"]
    assert (before["sessions"], before["feedback"]) == (0, 0)
    await submit(api, key, [session_doc("early")])
    [after] = (await get(api, key, "/v1/trends/outcomes", **DAY))["points"]
    assert (after["sessions"], after["feedback"], after["thumbs_up"]) == (1, 1, 1)
    assert after["thumbs_up_rate"] == 1.0


async def test_repeated_clicks_the_latest_by_ts_counts(api: Api, key: str) -> None:
    at = BASE + timedelta(hours=3)  # hours after the session closed
    await submit(api, key, [session_doc("clicks")])
    assert await thumbs(api, key, "clicks", "up", iso(at)) == 201
    assert await thumbs(api, key, "clicks", "down", iso(at + timedelta(minutes=5))) == 200
    r = await api.client.post(
        "/v1/sessions/clicks/feedback",
        json={"rating": "up", "ts": iso(at + timedelta(minutes=1)), "comment": "late retry"},
        headers=api.auth(key),
    )
    assert (r.status_code, r.json()["status"], r.json()["rating"]) == (200, "stale", "down")
    assert await _stored(api, key) == [("clicks", "", "down", "api")]
    [point] = (await get(api, key, "/v1/trends/outcomes", **DAY))["points"]
    assert (point["feedback"], point["thumbs_up"], point["thumbs_up_rate"]) == (1, 0, 0.0)


async def test_each_user_has_one_rating_per_session(api: Api, key: str) -> None:
    at = iso(BASE)
    await thumbs(api, key, "s", "up", at, user_id="u1")
    await thumbs(api, key, "s", "down", at, user_id="u2")
    await thumbs(api, key, "s", "down", at)
    assert await _stored(api, key) == [
        ("s", "", "down", "api"), ("s", "u1", "up", "api"), ("s", "u2", "down", "api"),
    ]  # fmt: skip


async def test_feedback_events_inside_a_session_are_stored_the_same_way(api: Api, key: str) -> None:
    doc = session_doc("with-events", user_id="u1")
    doc["events"] += [
        {"type": "feedback", "ts": iso(BASE + timedelta(seconds=20)), "rating": "up"},
        {"type": "feedback", "ts": iso(BASE + timedelta(seconds=30)), "rating": "down"},
        {"type": "feedback", "ts": iso(BASE), "rating": "up", "user_id": "u2"},
        {"type": "feedback", "ts": iso(BASE), "comment": "no rating: ignored"},
    ]
    await submit(api, key, [doc])
    assert await _stored(api, key) == [
        ("with-events", "u1", "down", "event"), ("with-events", "u2", "up", "event"),
    ]  # fmt: skip
    # an API click older than the event does not override it; a newer one does
    assert await thumbs(api, key, "with-events", "up", iso(BASE), user_id="u1") == 200
    assert await thumbs(api, key, "with-events", "up", iso(BASE + timedelta(hours=1)), "u1") == 200
    assert (await _stored(api, key))[0] == ("with-events", "u1", "up", "api")


async def test_bad_rating_answers_422_with_its_field(api: Api, key: str) -> None:
    r = await api.client.post(
        "/v1/sessions/s/feedback", json={"rating": "meh"}, headers=api.auth(key)
    )
    assert r.status_code == 422
    assert r.json()["error"] == "ValidationError"
    assert r.json()["detail"][0]["loc"] == ["body", "rating"]


async def test_feedback_needs_the_ingest_scope(api: Api) -> None:
    reader = await api.new_key("read")
    r = await api.client.post(
        "/v1/sessions/s/feedback", json={"rating": "up"}, headers=api.auth(reader)
    )
    assert r.status_code == 403


async def test_feedback_of_another_project_never_mixes(api: Api, key: str) -> None:
    other = await api.new_key("ingest", "read")
    await submit(api, key, [session_doc("shared-id")])
    await submit(api, other, [session_doc("shared-id")])
    await thumbs(api, other, "shared-id", "down", iso(BASE))
    [mine] = (await get(api, key, "/v1/trends/outcomes", **DAY))["points"]
    [theirs] = (await get(api, other, "/v1/trends/outcomes", **DAY))["points"]
    assert (mine["feedback"], theirs["feedback"]) == (0, 1)
    assert await _stored(api, key) == []
