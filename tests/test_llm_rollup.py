"""The LLM rollups: the dashboard answers the same whatever has been rolled up, on both
backends; replaced sessions leave the rollups; concurrent jobs count each call once.

The tests run on apps of their own whose rollup loop stays idle, so a test decides what is
rolled up when.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import Float, func, literal, select

from store.histogram import bin_of, bin_sql
from store.llm_rollup import roll_up
from store.llm_rollup_parts import GRAINS, METRICS
from store.models import LlmCall, LlmRollup, LlmRollupBin, SessionRow
from tests.conftest import Api, quiet_backends, serve_api
from tests.llm_seed import (
    DAY0,
    QUERIES,
    answered,
    dashboards,
    expected,
    llm_call,
    random_sessions,
    rolled_states,
    session_of,
)
from tests.sessions import iso
from tests.trend_seed import get, project_of, submit
from workers.arq_worker import WorkerSettings, llm_rollup_job
from workers.llm_rollup import roll_up_calls

IDLE = {"llm_rollup_interval_seconds": 3600}
quiet_pg, quiet_sqlite, api = quiet_backends(**IDLE)


async def test_dashboard_is_the_same_unrolled_half_rolled_and_rolled(api: Api, key: str) -> None:
    docs = random_sessions(random.Random(7), 40)
    await submit(api, key, docs[:20])
    for query, body in zip(QUERIES, await dashboards(api, key), strict=True):
        assert answered(body) == expected(docs[:20], query)
    await roll_up_calls(api.state.jobs)
    await submit(api, key, docs[20:])
    assert await rolled_states(api, key) == {True, False}
    half = await dashboards(api, key)
    await roll_up_calls(api.state.jobs)
    assert await rolled_states(api, key) == {True}
    assert await dashboards(api, key) == half
    for query, body in zip(QUERIES, half, strict=True):
        assert answered(body) == expected(docs, query)
    assert any(p["errors_by_type"] for body in half for p in body["points"])


async def test_postgres_and_sqlite_answer_the_same_half_rolled(
    quiet_pg: Api, quiet_sqlite: Api
) -> None:
    docs = random_sessions(random.Random(11), 30)
    bodies = []
    for api in (quiet_pg, quiet_sqlite):
        key = await api.new_key("ingest", "read")
        await submit(api, key, docs[:15])
        await roll_up_calls(api.state.jobs)
        await submit(api, key, docs[15:])
        bodies.append(await dashboards(api, key))
    assert bodies[0] == bodies[1]


async def test_null_and_empty_dimensions_stay_apart_through_a_rollup(api: Api, key: str) -> None:
    rng = random.Random(5)
    at = DAY0 + timedelta(hours=3)
    groups = [(None, None, None), ("", "", ""), ("p", None, "t"), (None, "m", "")]
    calls = [
        llm_call(rng, at + timedelta(minutes=i)) | {"provider": p, "model": m, "tool": t}
        for i, (p, m, t) in enumerate(groups)
    ]
    await submit(api, key, [session_of(calls, at)])
    await roll_up_calls(api.state.jobs)
    window = {"from": iso(DAY0), "to": iso(DAY0 + timedelta(days=1)), "bucket": "day"}
    body = await get(api, key, "/v1/dashboards/llm", **window)
    found = {tuple(p["group"].values()): p["calls"] for p in body["points"]}
    assert found == {g: 1 for g in groups}


async def test_replacing_a_rolled_up_session_equals_a_fresh_ingest(api: Api) -> None:
    rng = random.Random(9)
    old, kept, new = random_sessions(rng, 3)
    new["session_id"] = old["session_id"]
    for event in new["events"]:
        event["model"] = "only-in-the-new-content"
    replacing = await api.new_key("ingest", "read")
    await submit(api, replacing, [old, kept])
    await roll_up_calls(api.state.jobs)
    r = await api.client.post("/v1/sessions?replace=true", json=new, headers=api.auth(replacing))
    assert r.status_code == 200, r.text
    assert await rolled_states(api, replacing) == {True, False}
    replaced = await dashboards(api, replacing)
    fresh = await api.new_key("ingest", "read")
    await submit(api, fresh, [new, kept])
    assert await dashboards(api, fresh) == replaced
    await roll_up_calls(api.state.jobs)
    assert await dashboards(api, replacing) == replaced
    for query, body in zip(QUERIES, replaced, strict=True):
        assert answered(body) == expected([new, kept], query)


async def test_the_database_bins_values_as_python_does(api: Api) -> None:
    rng = random.Random(2)
    values = [0.0, -1.0, 1.0, 2.0, 3.0, 1e-3, 1e9, 2 ** (5 / 16), 2 ** (37 / 16)]
    values += [rng.lognormvariate(5, 4) for _ in range(200)]
    stmt = select(*(bin_sql(literal(v, Float)) for v in values), bin_sql(literal(None, Float)))
    async with api.state.sessions() as db:
        *bins, none = (await db.execute(stmt)).one()
    assert list(bins) == [bin_of(v) for v in values]
    assert none is None


async def _totals(api: Api, project_id: int) -> dict[str, Any]:
    """Calls and latency values per grain in the rollups, and in the raw rows."""
    async with api.state.sessions() as db:
        raw = select(func.count(), func.count(LlmCall.latency_ms)).where(
            LlmCall.project_id == project_id
        )
        found: dict[str, Any] = {"raw": tuple((await db.execute(raw)).one())}
        for grain, code in GRAINS.items():
            calls = select(func.sum(LlmRollup.calls)).where(
                LlmRollup.project_id == project_id, LlmRollup.grain == code
            )
            binned = select(func.sum(LlmRollupBin.count)).where(
                LlmRollupBin.project_id == project_id,
                LlmRollupBin.grain == code,
                LlmRollupBin.metric == METRICS["latency"],
            )
            found[grain] = (int(await db.scalar(calls) or 0), int(await db.scalar(binned) or 0))
    return found


async def _unrolled(api: Api, project_id: int) -> int:
    async with api.state.sessions() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(SessionRow)
            .where(SessionRow.project_id == project_id, SessionRow.rolled_up.is_(False))
        )
    return int(count or 0)


async def test_concurrent_rollups_count_each_call_once(pg_url: str) -> None:
    async for api in serve_api(pg_url, llm_rollup_interval_seconds=3600, llm_rollup_batch=7):
        key = await api.new_key("ingest", "read")
        project_id = await project_of(api, key)
        docs = random_sessions(random.Random(13), 60)
        await submit(api, key, docs[:30])
        jobs = api.state.jobs
        async with jobs.sessions() as held:
            assert await roll_up(held, 10) == 10  # its sessions stay locked until the commit
            other = asyncio.create_task(roll_up_calls(jobs))
            await asyncio.sleep(0.5)  # the other job meanwhile runs into held's locks
            await held.commit()
        await asyncio.wait_for(other, timeout=60)
        await submit(api, key, docs[30:])
        await asyncio.gather(roll_up_calls(jobs), roll_up_calls(jobs))
        assert await _unrolled(api, project_id) == 0
        totals = await _totals(api, project_id)
        assert totals["hour"] == totals["day"] == totals["raw"]
        assert totals["raw"][0] == 6 * 60
        for query, body in zip(QUERIES, await dashboards(api, key), strict=True):
            assert answered(body) == expected(docs, query)


async def test_the_rollup_runs_on_its_own_in_process(api: Api) -> None:
    async for quick in serve_api(api.settings.database_url, llm_rollup_interval_seconds=0.05):
        key = await quick.new_key("ingest", "read")
        await submit(quick, key, random_sessions(random.Random(3), 5))
        for _ in range(200):
            if await rolled_states(quick, key) == {True}:
                break
            await asyncio.sleep(0.05)
        assert await rolled_states(quick, key) == {True}


async def test_arq_workers_roll_up_once_a_minute_on_one_worker(api: Api, key: str) -> None:
    [job] = [c for c in WorkerSettings.cron_jobs if c.name == "llm_rollup"]
    assert job.unique
    await submit(api, key, random_sessions(random.Random(4), 3))
    assert await llm_rollup_job({"sj": api.state.jobs}) >= 3
    assert await rolled_states(api, key) == {True}
