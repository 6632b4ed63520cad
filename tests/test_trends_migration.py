"""Migrations 0007 and 0009 on a database that already holds sessions, thumbs and
verdicts: every session gets its thumbs counted and every current verdict its session's
time; every hour holding sessions is named for the trend rollup job, which then builds
its rollups; on Postgres and SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from store.migrate import upgrade_async
from store.trend_rollup import refresh
from tests.conftest import PG_ADMIN, PG_HOST

ROWS = [
    "INSERT INTO projects (id, name, created_at) VALUES (1, 'p', '2026-11-21 00:00:00')",
    *(
        "INSERT INTO sessions (pk, project_id, session_id, content_hash, occurred_at,"
        " attributes, event_count, stuck, metrics, judge_status, status_changed_at,"
        f" received_at, updated_at) VALUES ({pk}, 1, '{sid}', 'h', '{at}', '{{}}', 1, false,"
        " '{}', 'judged', '2026-11-21 00:00:00', '2026-11-21 00:00:00', '2026-11-21 00:00:00')"
        # as the app stores them on SQLite: with microseconds
        for pk, sid, at in [
            (1, "a", "2026-11-21 09:00:00.000000"),
            (2, "b", "2026-11-22 10:30:00.000000"),
        ]
    ),
    *(
        "INSERT INTO feedback (project_id, session_id, user_key, rating, ts, origin, created_at)"
        f" VALUES (1, '{sid}', '{user}', '{rating}', '2026-11-21 12:00:00', 'api',"
        " '2026-11-21 12:00:00')"
        for sid, user, rating in [("a", "u1", "up"), ("a", "u2", "down"), ("a", "u3", "up")]
    ),
    "INSERT INTO verdicts (id, project_id, session_pk, prompt, prompt_hash, judge_model,"
    " input_hash, dedupe_key, termination, helpfulness, confidence, user_sentiment, rationale,"
    " evidence, input_tokens, output_tokens, cost_usd, latency_ms, attempts, created_at)"
    " VALUES (7, 1, 2, 'outcome/v1', 'h', 'm', 'i', 'k', 'completed', 'helpful', 0.9,"
    " 'neutral', 'r', '[]', 0, 0, 0, 0, 1, '2026-11-22 11:00:00')",
    "INSERT INTO current_verdicts (session_pk, prompt, project_id, verdict_id, termination,"
    " helpfulness, confidence, created_at) VALUES (2, 'outcome/v1', 1, 7, 'completed',"
    " 'helpful', 0.9, '2026-11-22 11:00:00')",
]


@pytest.fixture(params=["postgres", "sqlite"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"sj_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def seeded(url: str, before: str, after: str) -> AsyncEngine:
    """The database at revision ``before``, holding ``ROWS``, migrated to ``after``."""
    await upgrade_async(url, before)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for statement in ROWS:
            await conn.execute(text(statement))
    await upgrade_async(url, after)
    return engine


async def test_existing_thumbs_are_counted_and_verdicts_timed(url: str) -> None:
    engine = await seeded(url, "0006", "0007")
    try:
        async with engine.connect() as conn:
            thumbs = await conn.execute(
                text("SELECT session_id, feedback_count, feedback_up FROM sessions ORDER BY pk")
            )
            assert [tuple(row) for row in thumbs] == [("a", 3, 2), ("b", 0, 0)]
            [occurred] = (
                await conn.execute(text("SELECT occurred_at FROM current_verdicts"))
            ).one()
            assert str(occurred).startswith("2026-11-22 10:30:00")
    finally:
        await engine.dispose()


async def test_existing_hours_are_named_and_rolled_up(url: str) -> None:
    engine = await seeded(url, "0008", "0009")
    try:
        async with engine.connect() as conn:
            hours = await conn.execute(text("SELECT occurred_at FROM trend_changes ORDER BY 1"))
            assert [str(at)[:19] for (at,) in hours] == [
                "2026-11-21 09:00:00", "2026-11-22 10:30:00",
            ]  # fmt: skip
        async with AsyncSession(engine) as db:
            assert await refresh(db) == 2
            await db.commit()
        async with engine.connect() as conn:
            daily = await conn.execute(
                text("SELECT sum(sessions) FROM trend_rollups WHERE grain = 2 AND dimension = 0")
            )
            assert daily.scalar_one() == 2
    finally:
        await engine.dispose()
