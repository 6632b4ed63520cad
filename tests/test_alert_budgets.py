"""The error budget over an SLO period, added up from counted days, the minute's tail and
raw calls before the first counted day, is the budget a plain count of the period gives;
and the days are kept counted one at a time, once each however many evaluators race."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from rules.slo import SloConfig, burn_rate, load_slo_config
from store.alert_counts import CallGroup, CountPlan, count_calls, objective_counts
from store.models import LlmCall, SloDay, SloDayCount
from store.slo_days import DAY, ceil_day, counted_span, floor_day
from tests.alert_load import T0, Load, load
from tests.conftest import Api
from workers.slo_budgets import RECOUNT_AFTER, budgets_left, count_next_day
from workers.slo_status import alerting_status

CONFIG = load_slo_config("""
objectives:
  - {name: errors, kind: llm_error_rate, target: 0.99, min_calls: 1}
  - {name: tools, kind: tool_error_rate, target: 0.95, min_calls: 1}
  - {name: slow, kind: latency, latency_threshold_ms: 30000, target: 0.95, min_calls: 1}
""")
GROUPS = [("anthropic", "claude-sonnet-4", "chat", True), ("openai", "gpt-5", "edit", False)]


async def _calls(target: Load, start: datetime, end: datetime, step: timedelta) -> int:
    """Calls every ``step`` in ``[start, end)`` over two groups, a few failed or slow;
    plus one at each midnight, which belongs to the day before (days are ``(D, D+1]``)."""
    times, ts = [], start
    while ts < end:
        times.append(ts)
        ts += step
    times += [ceil_day(start) + k * DAY for k in range((end - start) // DAY)]
    rows = []
    for i, ts in enumerate(times):
        provider, model, tool, gateway = GROUPS[i % 2]
        latency = 40_000.0 if i % 43 == 0 else 25_000.0 if i % 29 == 0 else 900.0
        rows.append({"project_id": target.project_id, "session_pk": target.session_pk,
                     "seq": i, "ts": ts, "provider": provider, "model": model, "tool": tool,
                     "gateway": gateway, "ok": i % 151 != 0, "ttft_ms": 100.0,
                     "latency_ms": latency, "input_tokens": 1, "output_tokens": 1,
                     "cache_read_tokens": 0, "cost_usd": 0.0})  # fmt: skip
    async with target.ctx.sessions() as db:
        await db.execute(insert(LlmCall), rows)
        await db.commit()
    return len(rows)


def _wanted(target: Load) -> list[tuple[str, CallGroup]]:
    groups = [CallGroup(target.project_id, *g) for g in GROUPS]
    tools = [CallGroup(target.project_id, None, None, g[2], None) for g in GROUPS]
    return [(o, g) for o in ("errors", "slow") for g in groups] + [("tools", g) for g in tools]


async def _budgets(target: Load, now: datetime) -> dict[tuple[str, CallGroup], float]:
    async with target.ctx.sessions() as db:
        minute = await alerting_status(db, CONFIG, now, [target.project_id])
        return await budgets_left(db, CONFIG, now, _wanted(target), minute)


async def _counted_plainly(target: Load, now: datetime) -> dict[tuple[str, CallGroup], float]:
    """The budgets as a count of every call of the period gives them."""
    plan = CountPlan.of(CONFIG.objectives)
    async with target.ctx.sessions() as db:
        counts = await count_calls(db, plan, now, [target.project_id])
    out = {}
    for objective in CONFIG.objectives:
        for group, windows in objective_counts(objective, plan, counts).items():
            period = windows[objective.period]
            out[objective.name, group] = 1 - burn_rate(period.bad, period.total, objective.target)
    return {key: out[key] for key in _wanted(target)}


async def _count_every_day(target: Load, config: SloConfig, now: datetime) -> list[datetime]:
    days = []
    async with target.ctx.sessions() as db:
        while (day := await count_next_day(db, config, now, [target.project_id])) is not None:
            days.append(day)
        await db.commit()
    return days


@pytest.mark.parametrize("hour", [0, 7, 23])
async def test_the_budget_from_counted_days_is_that_of_every_call_of_the_period(
    api: Api, hour: int
) -> None:
    now = floor_day(T0) + timedelta(hours=hour, minutes=13, seconds=7)
    async with load(api) as target:
        await _calls(target, now - 32 * DAY, now + DAY, timedelta(minutes=53))
        expected = await _counted_plainly(target, now)
        assert 0 < min(expected.values()) < max(expected.values()) < 1
        assert await _budgets(target, now) == pytest.approx(expected)  # no day counted yet
        first, end = counted_span(CONFIG, now)
        async with target.ctx.sessions() as db:  # the newest days only
            for _ in range(3):
                await count_next_day(db, CONFIG, now, [target.project_id])
            await db.commit()
        assert await _budgets(target, now) == pytest.approx(expected)
        days = await _count_every_day(target, CONFIG, now)
        assert days == [end - k * DAY for k in range(4, (end - first) // DAY + 1)]
        assert await _budgets(target, now) == pytest.approx(expected)


async def test_days_are_counted_newest_first_then_again_once_a_day_old(api: Api) -> None:
    now = T0
    async with load(api) as target:
        await _calls(target, now - 31 * DAY, now, timedelta(minutes=97))
        first, end = counted_span(CONFIG, now)
        assert (end, first) == (ceil_day(now - 3 * DAY), ceil_day(now - 30 * DAY))
        days = await _count_every_day(target, CONFIG, now)
        assert days == [end - k * DAY for k in range(1, (end - first) // DAY + 1)]
        assert await _count_every_day(target, CONFIG, now + timedelta(hours=1)) == []
        later = now + RECOUNT_AFTER
        async with target.ctx.sessions() as db:
            # a day later the span moved on a day: the new newest day first, then the
            # oldest counted day again
            first_pass = [await count_next_day(db, CONFIG, later, [target.project_id])]
            first_pass.append(await count_next_day(db, CONFIG, later, [target.project_id]))
            await db.commit()
        assert first_pass == [end, ceil_day(later - 30 * DAY)]
        async with target.ctx.sessions() as db:  # the day before the span is dropped
            for table in (SloDay, SloDayCount):
                oldest = select(func.min(table.day)).where(table.project_id == target.project_id)
                assert await db.scalar(oldest) == ceil_day(later - 30 * DAY)


async def test_a_call_stored_late_reaches_the_budget_when_its_day_is_counted_again(
    api: Api,
) -> None:
    now = T0
    async with load(api) as target:
        await _calls(target, now - 31 * DAY, now, timedelta(minutes=97))
        await _count_every_day(target, CONFIG, now)
        late = now - 10 * DAY
        await _calls(target, late, late + timedelta(minutes=200), timedelta(minutes=1))
        [key] = [k for k in _wanted(target) if k[0] == "errors" and k[1].gateway]
        assert (await _budgets(target, now))[key] != (await _counted_plainly(target, now))[key]
        later = now + RECOUNT_AFTER
        async with target.ctx.sessions() as db:
            for _ in range(30):
                await count_next_day(db, CONFIG, later, [target.project_id])
            await db.commit()
        assert (await _budgets(target, later))[key] == pytest.approx(
            (await _counted_plainly(target, later))[key]
        )


async def test_days_counted_without_a_new_latency_threshold_are_counted_again(
    api: Api,
) -> None:
    now = T0
    latency = CONFIG.objectives[2].model_copy(update={"latency_threshold_ms": 20_000.0})
    stricter = CONFIG.model_copy(update={"objectives": [*CONFIG.objectives[:2], latency]})
    async with load(api) as target:
        await _calls(target, now - 31 * DAY, now, timedelta(minutes=97))
        [group] = [g for name, g in _wanted(target) if name == "slow" and g.gateway]
        plan = CountPlan((30 * DAY,), (20_000.0,))
        async with target.ctx.sessions() as db:
            counts = await count_calls(db, plan, now, [target.project_id])
        period = objective_counts(latency, plan, counts)[group][30 * DAY]
        expected = 1 - burn_rate(period.bad, period.total, latency.target)

        async def budget() -> float:
            async with target.ctx.sessions() as db:
                minute = await alerting_status(db, stricter, now, [target.project_id])
                return (await budgets_left(db, stricter, now, [("slow", group)], minute))[
                    "slow", group
                ]

        await _count_every_day(target, CONFIG, now)  # 30 s: no use for the 20 s objective
        assert await budget() == pytest.approx(expected)
        first, end = counted_span(stricter, now)
        assert await _count_every_day(target, stricter, now) == [
            end - k * DAY for k in range(1, (end - first) // DAY + 1)
        ]
        assert await budget() == pytest.approx(expected)


async def test_racing_evaluators_count_a_day_once(pg_api: Api) -> None:
    now = T0
    async with load(pg_api) as target:
        calls = await _calls(target, now - 4 * DAY, now, timedelta(minutes=7))
        day = counted_span(CONFIG, now)[1] - DAY

        async def count() -> datetime | None:
            async with target.ctx.sessions() as db:
                counted = await count_next_day(db, CONFIG, now, [target.project_id])
                await asyncio.sleep(0.1)  # both hold their transaction open
                await db.commit()
                return counted

        assert await asyncio.gather(count(), count()) == [day, day]
        async with target.ctx.sessions() as db:
            stored = await db.scalar(
                select(func.sum(SloDayCount.count)).where(
                    SloDayCount.project_id == target.project_id, SloDayCount.measure == "calls"
                )
            )
            in_day = await db.scalar(
                select(func.count()).where(
                    LlmCall.project_id == target.project_id,
                    LlmCall.ts > day,
                    LlmCall.ts <= day + DAY,
                )
            )
        assert 0 < stored == in_day < calls


async def test_a_config_without_objectives_counts_and_opens_nothing(api: Api) -> None:
    empty = load_slo_config("objectives: []")
    async with load(api, alert_webhooks=["http://127.0.0.1:9/alerts"]) as target:
        await _calls(target, T0 - 2 * DAY, T0, timedelta(minutes=97))
        assert await target.evaluate(T0, empty) == []
        assert await _count_every_day(target, empty, T0) == []
