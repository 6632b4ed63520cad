"""Synthetic data for bench/trends.py, generated inside Postgres (``INSERT … SELECT
generate_series``): sessions spread evenly over ``days`` up to ``end``, a verdict (and its
current_verdicts row) for 90 % of them, thumbs feedback for 10 %, and ``calls`` llm_call
rows per session.

The load runs with foreign-key triggers off (``session_replication_role = replica``, the
rows are consistent by construction) and the llm_calls indexes dropped and rebuilt after,
the usual bulk-load recipe. Then the LLM rollups are built by the service's own rollup
job (store/llm_rollup.py), in large batches. Each step's time is printed.
"""

from __future__ import annotations

import time
from datetime import datetime

import asyncpg

from store.engine import create_engine, session_factory
from store.llm_rollup import roll_up
from store.settings import Settings

MODELS = ["claude-sonnet-4", "claude-haiku-4", "gpt-5", "gpt-5-mini", "gemini-2.5-pro", "grok-4"]
PROVIDERS = ["anthropic", "anthropic", "openai", "openai", "google", "xai"]

SESSIONS = """
INSERT INTO sessions (project_id, session_id, content_hash, source, client_version, user_id,
    mode, model, provider, started_at, ended_at, occurred_at, end_reason, attributes,
    event_count, stuck, metrics, duration_ms, ttfr_ms, user_turns, tool_calls, tool_errors,
    llm_calls, llm_errors, condense_count, tokens_total, cost_usd, judge_status,
    status_changed_at, received_at, updated_at)
SELECT $1, 'bench-' || g, md5(g::text),
    (ARRAY['kilocode','cline','roo-code','agents-kt'])[1 + g % 4],
    (ARRAY['4.118.0','4.119.0','4.120.0'])[1 + g / 7 % 3],
    'u' || g % 5000,
    (ARRAY['code','architect','ask','debug'])[1 + g / 3 % 4],
    CASE WHEN r1 < 0.02 THEN NULL ELSE ($4::text[])[1 + mi] END,
    CASE WHEN r1 < 0.02 THEN NULL ELSE ($5::text[])[1 + mi] END,
    at, at + make_interval(secs => dur / 1000), at,
    CASE WHEN r2 < 0.70 THEN 'completed' WHEN r2 < 0.85 THEN 'user_closed'
         WHEN r2 < 0.95 THEN 'timeout' WHEN r2 < 0.98 THEN 'error' END,
    '{}'::jsonb, 40, r3 < 0.08, '{}'::jsonb, dur, 400 + r4 * 6000,
    1 + (r4 * 5)::int, tools, (tools * r5 * 0.2)::int, $6, (r3 * 2)::int,
    (r5 < 0.1)::int, 20000 + (r4 * 200000)::int, r4 * 0.8, 'judged', at, at, at
FROM (
    SELECT g, $2::timestamptz + make_interval(secs => g * $3::float8) AS at,
        (random() * 5.999)::int AS mi, random() AS r1, random() AS r2, random() AS r3,
        random() AS r4, random() AS r5, -ln(1 - random()) * 300000 AS dur,
        (random() * 30)::int AS tools
    FROM generate_series(0, $7 - 1) AS g
) AS base
"""

VERDICTS = """
INSERT INTO verdicts (project_id, session_pk, prompt, prompt_hash, judge_model, input_hash,
    dedupe_key, termination, helpfulness, confidence, user_sentiment, rationale, evidence,
    input_tokens, output_tokens, cost_usd, latency_ms, attempts, created_at)
SELECT project_id, pk, 'outcome/v1', 'bench', 'bench', 'bench', pk || ':outcome/v1',
    CASE WHEN end_reason = 'completed' AND r < 0.9 THEN 'completed'
         WHEN end_reason = 'timeout' THEN 'timed_out'
         WHEN end_reason = 'error' THEN 'errored' ELSE 'abandoned' END,
    CASE WHEN h < 0.55 THEN 'helpful' WHEN h < 0.8 THEN 'partially_helpful'
         WHEN h < 0.97 THEN 'unhelpful' ELSE 'unknown' END,
    0.5 + h / 2, 'neutral', 'bench', '[]', 2000, 200, 0.001, 900, 1,
    occurred_at + interval '5 minutes'
FROM (SELECT *, random() AS r, random() AS h FROM sessions WHERE project_id = $1) AS s
WHERE r < 0.9 OR h < 0.1
"""

CURRENT = """
INSERT INTO current_verdicts (session_pk, prompt, project_id, verdict_id, termination,
    helpfulness, confidence, created_at)
SELECT session_pk, prompt, project_id, id, termination, helpfulness, confidence, created_at
FROM verdicts WHERE project_id = $1
"""

FEEDBACK = """
INSERT INTO feedback (project_id, session_id, user_key, rating, comment, ts, origin, created_at)
SELECT project_id, session_id, coalesce(user_id, ''),
    CASE WHEN random() < 0.75 THEN 'up' ELSE 'down' END, NULL,
    occurred_at + interval '10 minutes', 'api', occurred_at + interval '10 minutes'
FROM sessions WHERE project_id = $1 AND random() < 0.1
"""

CALLS = """
INSERT INTO llm_calls (project_id, session_pk, seq, ts, provider, model, tool, gateway,
    latency_ms, ttft_ms, ok, error_type, error_message, input_tokens, output_tokens,
    cache_read_tokens, cost_usd)
SELECT project_id, pk, k, occurred_at + make_interval(secs => k * 20), provider, model,
    (ARRAY['chat','edit','apply','search'])[1 + (pk + k) % 4], k % 3 > 0,
    round((200 + -ln(1 - r) * 1800)::numeric, 1), round((100 + r * 700)::numeric, 1),
    r2 >= 0.03,
    CASE WHEN r2 < 0.03 THEN (ARRAY['rate_limited','timeout','server_error'])[1 + k % 3] END,
    NULL, 1000 + (r * 8000)::int, 50 + (r2 * 900)::int, 0, r * 0.02
FROM (SELECT s.project_id, s.pk, s.occurred_at, s.provider, s.model, k,
             random() AS r, random() AS r2
      FROM sessions AS s CROSS JOIN generate_series(0, $2 - 1) AS k
      WHERE s.project_id = $1) AS c
"""


async def _step(conn: asyncpg.Connection, label: str, sql: str, *args: object) -> None:
    start = time.perf_counter()
    status = await conn.execute(sql, *args)
    print(f"  {label:<28} {status:<22} {time.perf_counter() - start:7.1f} s", flush=True)


async def _call_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'llm_calls' AND indexname NOT LIKE 'pk_%'"
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


ROLLUP_BATCH = 100_000
"""Sessions per rollup transaction: the service's batches are small, for short locks;
here nothing else runs, and fewer, larger statements load faster."""


async def roll_up_all(dsn: str) -> None:
    """Roll up every session, as the service's rollup job does, and print the time."""
    engine = create_engine(
        Settings(database_url=dsn.replace("postgresql://", "postgresql+asyncpg://"))
    )
    start, total, done = time.perf_counter(), 0, ROLLUP_BATCH
    try:
        while done == ROLLUP_BATCH:
            async with session_factory(engine)() as db:
                done = await roll_up(db, ROLLUP_BATCH)
                await db.commit()
            total += done
    finally:
        await engine.dispose()
    took = time.perf_counter() - start
    print(f"  {'llm rollups':<28} {f'{total} sessions':<22} {took:7.1f} s", flush=True)


async def generate(
    dsn: str, project_id: int, sessions: int, calls: int, days: int, end: datetime
) -> None:
    """Fill the project with ``sessions`` sessions over ``days`` days ending at ``end``."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute("SELECT setseed(0.42)")
        spacing = days * 86400 / sessions
        start = end.timestamp() - days * 86400
        begin = datetime.fromtimestamp(start, tz=end.tzinfo)
        await _step(
            conn, "sessions", SESSIONS, project_id, begin, spacing, MODELS, PROVIDERS,
            calls, sessions,
        )  # fmt: skip
        await _step(conn, "verdicts", VERDICTS, project_id)
        await _step(conn, "current_verdicts", CURRENT, project_id)
        await _step(conn, "feedback", FEEDBACK, project_id)
        indexes = await _call_indexes(conn)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        await _step(conn, "llm_calls", CALLS, project_id, calls)
        for name, definition in indexes:
            await _step(conn, f"index {name}", definition)
        await roll_up_all(dsn)
        # VACUUM sets the visibility map, which index-only scans need (autovacuum would,
        # later); ANALYZE gives the planner its statistics.
        await _step(conn, "vacuum analyze", "VACUUM ANALYZE")
    finally:
        await conn.close()
