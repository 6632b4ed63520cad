"""The trend rollups: outcome and session trends answer the same before and after the
rollup job, with late verdicts, thumbs and replaced sessions in between, on both backends;
a write the job cannot see yet is recomputed by a later cycle; one job runs at a time.

The tests run on apps of their own whose rollup loop stays idle, so a test decides when
the job runs.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from store.models import SessionRow, TrendChange, TrendRollup, VerdictRollup
from store.trend_changes import mark_sessions
from store.trend_rollup import refresh
from tests.conftest import Api, quiet_backends
from tests.sessions import BASE, iso, session_doc
from tests.trend_seed import HAND, get, judge, project_of, submit, thumbs
from workers.trend_rollup import refresh_trends

IDLE = {"trend_rollup_interval_seconds": 3600}
quiet_pg, quiet_sqlite, api = quiet_backends(**IDLE)
DAY0 = BASE.replace(hour=0, minute=0, second=0, microsecond=0)
# partial hours at both edges, whole hours around whole days
EDGES = {
    "from": DAY0 + timedelta(hours=5, minutes=30),
    "to": DAY0 + timedelta(days=3, hours=7, minutes=15),
}
QUERIES: list[dict[str, Any]] = [
    EDGES | {"bucket": "day", "group_by": group}
    for group in ("none", "model", "provider", "source", "client_version", "mode")
] + [
    EDGES | {"bucket": "hour", "group_by": "model"},
    {"from": DAY0 - timedelta(days=3), "to": DAY0 + timedelta(days=9), "bucket": "week",
     "group_by": "source"},
    # a filter: read from the sessions alone
    EDGES | {"bucket": "day", "group_by": "model", "source": "cline"},
]  # fmt: skip


def random_docs(rng: random.Random, count: int, prefix: str = "r") -> list[dict[str, Any]]:
    """Sessions over three and a half days from DAY0, of varied groups and timings."""
    docs = []
    for i in range(count):
        start = DAY0 + timedelta(seconds=rng.randrange(int(3.5 * 86400)))
        doc = session_doc(
            f"{prefix}{i}",
            start=start,
            source=rng.choice(["cline", "kilocode", "roo-code"]),
            mode=rng.choice(["code", "ask", None]),
            client_version=rng.choice(["4.1", "4.2"]),
            end_reason=rng.choice(["completed", "user_closed", "timeout", "error", None]),
        )
        doc["ended_at"] = iso(start + timedelta(seconds=rng.uniform(5, 4000)))
        model = rng.choice(["claude-sonnet-4", "gpt-5", "gemini-2.5-pro"])
        for event in doc["events"]:
            if event["type"] == "llm_call":
                event["model"] = model
                event["ttft_ms"] = rng.randrange(100, 3000)
        docs.append(doc)
    return docs


def _rounded(value: Any) -> Any:
    """Floats to 12 significant digits: sums of the same floats in another order (the mean
    confidence) may differ in the last bits."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


async def trends(api: Api, key: str) -> list[Any]:
    found = []
    for query in QUERIES:
        params = {k: iso(v) if k in ("from", "to") else v for k, v in query.items()}
        found.append(await get(api, key, "/v1/trends/outcomes", **params, prompt=HAND))
        found.append(await get(api, key, "/v1/trends/sessions", **params))
    return _rounded(found)


async def _rows(api: Api, key: str, table: Any) -> int:
    """The project's rows of ``table``."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        found = await db.scalar(select(func.count()).where(table.project_id == project_id))
        return int(found or 0)


def _verdicts(rng: random.Random, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        d["session_id"]: (
            rng.choice(["completed", "abandoned", "errored", "timed_out"]),
            rng.choice(["helpful", "partially_helpful", "unhelpful", "unknown"]),
            rng.random(),
        )
        for d in docs
        if rng.random() < 0.7
    }


async def test_trends_are_the_same_before_and_after_the_job(api: Api, key: str) -> None:
    rng = random.Random(11)
    docs = random_docs(rng, 60)
    await submit(api, key, docs[:40])
    await judge(api, key, _verdicts(rng, docs[:40]))
    for doc in docs[:40:3]:
        await thumbs(api, key, doc["session_id"], rng.choice(["up", "down"]), iso(BASE))
    before = await trends(api, key)
    assert await _rows(api, key, TrendChange) > 0
    await refresh_trends(api.state.jobs)
    assert await _rows(api, key, TrendChange) == 0
    assert await _rows(api, key, TrendRollup) > 0
    assert await _rows(api, key, VerdictRollup) > 0
    assert await trends(api, key) == before

    # late verdicts and thumbs on rolled-up hours, and new sessions
    await submit(api, key, docs[40:])
    await judge(api, key, _verdicts(rng, docs[40:]))
    for doc in docs[1:40:4]:
        await thumbs(api, key, doc["session_id"], "up", iso(BASE), user_id="late")
    changed = await trends(api, key)
    assert changed != before
    week = {"from": iso(DAY0), "to": iso(DAY0 + timedelta(days=4)), "bucket": "week"}
    points = (await get(api, key, "/v1/trends/outcomes", **week))["points"]
    assert sum(p["sessions"] for p in points) == 60
    assert await _rows(api, key, TrendChange) > 0
    await refresh_trends(api.state.jobs)
    assert await _rows(api, key, TrendChange) == 0
    assert await trends(api, key) == changed


async def test_a_replaced_session_leaves_its_old_hour(api: Api, key: str) -> None:
    doc = session_doc("moved", start=DAY0 + timedelta(hours=3))
    await submit(api, key, [doc])
    await refresh_trends(api.state.jobs)
    moved = session_doc("moved", start=DAY0 + timedelta(days=1, hours=9), n_events=10)
    r = await api.client.post(
        "/v1/sessions:batch?replace=true", json={"sessions": [moved]}, headers=api.auth(key)
    )
    assert r.status_code in (200, 207), r.text
    query = {"from": iso(DAY0), "to": iso(DAY0 + timedelta(days=2)), "bucket": "day"}
    before = [
        p["sessions"] for p in (await get(api, key, "/v1/trends/sessions", **query))["points"]
    ]
    assert before == [0, 1]
    await refresh_trends(api.state.jobs)
    after = [p["sessions"] for p in (await get(api, key, "/v1/trends/sessions", **query))["points"]]
    assert after == [0, 1]


async def test_postgres_and_sqlite_rollups_answer_the_same(
    quiet_pg: Api, quiet_sqlite: Api
) -> None:
    docs = random_docs(random.Random(5), 50)
    found = []
    for api in (quiet_pg, quiet_sqlite):
        key = await api.new_key("ingest", "read")
        await submit(api, key, docs)
        await judge(api, key, _verdicts(random.Random(6), docs))
        await refresh_trends(api.state.jobs)
        found.append(await trends(api, key))
    assert found[0] == found[1]


async def test_a_write_the_job_cannot_see_yet_is_recomputed_later(quiet_pg: Api) -> None:
    api = quiet_pg
    key = await api.new_key("ingest", "read")
    docs = random_docs(random.Random(8), 20)
    await submit(api, key, docs)
    await refresh_trends(api.state.jobs)
    project_id = await project_of(api, key)
    before = await trends(api, key)
    async with api.state.sessions() as writer:
        # a thumbs recount in flight: its change row is not committed yet
        one = (SessionRow.project_id == project_id, SessionRow.session_id == docs[0]["session_id"])
        await writer.execute(update(SessionRow).where(*one).values(feedback_count=1))
        await writer.execute(mark_sessions(*one))
        await refresh_trends(api.state.jobs)
        await writer.commit()
    assert await _rows(api, key, TrendChange) == 1
    after = await trends(api, key)
    assert after != before  # the hour is read from the sessions
    await refresh_trends(api.state.jobs)
    assert await _rows(api, key, TrendChange) == 0
    assert await trends(api, key) == after


async def test_one_job_at_a_time(quiet_pg: Api) -> None:
    api = quiet_pg
    key = await api.new_key("ingest", "read")
    await submit(api, key, random_docs(random.Random(9), 10))
    async with api.state.sessions() as first, api.state.sessions() as second:
        while not await refresh(first):  # until no other app's loop holds the lock
            await first.rollback()
        assert await refresh(second) == 0  # the lock is held until the first commits
        await first.commit()
        await second.commit()
    assert await _rows(api, key, TrendChange) == 0
