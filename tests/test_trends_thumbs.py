"""The thumbs each session carries (``feedback_count``, ``feedback_up``, what outcome trends
read) stay equal to its feedback rows through every write: clicks before and after the
session, feedback events, changed and stale clicks, replacement, and clicks racing the
session's first ingest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from store.models import Feedback, SessionRow
from tests.conftest import Api
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import get, project_of, submit, thumbs

DAY = {"from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z", "bucket": "day"}


async def _carried_and_counted(api: Api, key: str, session_id: str) -> tuple[Any, Any]:
    """(count, up) as the session row carries them, and as its feedback rows say."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        carried = (
            await db.execute(
                select(SessionRow.feedback_count, SessionRow.feedback_up).where(
                    SessionRow.project_id == project_id, SessionRow.session_id == session_id
                )
            )
        ).one()
        counted = (
            await db.execute(
                select(func.count(), func.count().filter(Feedback.rating == "up")).where(
                    Feedback.project_id == project_id, Feedback.session_id == session_id
                )
            )
        ).one()
    return tuple(carried), tuple(counted)


async def _trend_thumbs(api: Api, key: str) -> tuple[int, int]:
    [point] = (await get(api, key, "/v1/trends/outcomes", **DAY))["points"]
    return point["feedback"], point["thumbs_up"]


async def _post(api: Api, key: str, doc: dict[str, Any], replace: bool = False) -> int:
    params = {"replace": "true"} if replace else {}
    r = await api.client.post("/v1/sessions", json=doc, params=params, headers=api.auth(key))
    assert r.status_code in (200, 201), r.text
    return r.status_code


async def test_thumbs_on_the_session_follow_every_feedback_write(api: Api, key: str) -> None:
    at = BASE + timedelta(hours=2)
    await thumbs(api, key, "s", "up", iso(at), user_id="early")  # before the session exists
    doc = session_doc("s")
    doc["events"].append({"type": "feedback", "ts": iso(BASE), "rating": "down", "user_id": "ev"})
    await submit(api, key, [doc])
    steps: list[tuple[str, str, str, int, tuple[int, int]]] = [
        # user, rating, minutes after ``at``, expected status, expected (count, up)
        ("late", "up", 1, 201, (3, 2)),
        ("early", "down", 2, 200, (3, 1)),  # a changed mind
        ("late", "down", -30, 200, (3, 1)),  # stale: older than the stored click
    ]
    assert await _carried_and_counted(api, key, "s") == ((2, 1), (2, 1))
    for user, rating, minutes, status, expected in steps:
        when = iso(at + timedelta(minutes=minutes))
        assert await thumbs(api, key, "s", rating, when, user_id=user) == status
        carried, counted = await _carried_and_counted(api, key, "s")
        assert carried == counted == expected, (user, rating)
        assert await _trend_thumbs(api, key) == expected

    # replaced: its event feedback (now an up) is stored again and the clicks stay
    changed = session_doc("s", n_events=10)
    changed["events"].append(
        {"type": "feedback", "ts": iso(BASE + timedelta(hours=1)), "rating": "up", "user_id": "ev"}
    )
    assert await _post(api, key, changed, replace=True) == 200
    await api.settle()
    assert await _carried_and_counted(api, key, "s") == ((3, 2), (3, 2))
    assert await _trend_thumbs(api, key) == (3, 2)


async def test_every_rating_of_a_session_counts_however_early_it_was_clicked(
    api: Api, key: str
) -> None:
    # a client clock days off: the rating still belongs to the session in range
    await thumbs(api, key, "skewed", "up", iso(BASE - timedelta(days=3)))
    await submit(api, key, [session_doc("skewed")])
    assert await _trend_thumbs(api, key) == (1, 1)


async def test_clicks_racing_the_first_ingest_are_all_counted(pg_api: Api) -> None:
    key = await pg_api.new_key("ingest", "read")
    users = [f"u{i}" for i in range(24)]
    for session_id in ("raced-1", "raced-2", "raced-3", "raced-4"):
        clicks = [
            thumbs(pg_api, key, session_id, "up" if i % 3 else "down", iso(BASE), user_id=user)
            for i, user in enumerate(users)
        ]
        # the session lands amid the clicks, each request in its own transaction
        ingest = _post(pg_api, key, session_doc(session_id))
        await asyncio.gather(*clicks[:12], ingest, *clicks[12:])
        carried, counted = await _carried_and_counted(pg_api, key, session_id)
        assert counted == (24, 16)
        assert carried == counted, session_id
    await pg_api.settle()
