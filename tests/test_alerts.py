"""Burn-rate alerts on synthetic traffic placed in time, evaluated at chosen moments with
the shipped config (deploy/slo.yaml: llm_error_rate at 99.9 %, the Workbook's rows)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from arq import ArqRedis

from api.app import create_app
from rules.slo import Mute, SloConfigError
from store.settings import Settings
from tests.alert_load import DEFAULT_CONFIG, T0, Load, load
from tests.conftest import Api
from tests.test_workers_arq import REDIS_URL
from workers.arq_worker import WorkerSettings, alerts_job, shutdown, startup

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
HOOK = "http://127.0.0.1:9/alerts"  # deliveries are written, never sent, in these tests


def outage(start: datetime, minutes: int = 5) -> object:
    end = start + minutes * MINUTE
    return lambda i, ts: start <= ts < end


async def _outage_load(target: Load, **fields: object) -> None:
    """Six calls a minute for three days before T0 and seven hours after; all fail from
    T0 to T0+5m."""
    await target.calls(T0 - 3 * DAY, T0 + 7 * 60 * MINUTE, 6, outage(T0), **fields)


async def test_a_five_minute_outage_of_a_recommended_gateway_model_pages_within_two_evaluations(
    api: Api,
) -> None:
    async with load(api, alert_webhooks=[HOOK]) as target:
        await _outage_load(target)
        assert await target.evaluate(T0 + 30 * timedelta(seconds=1)) == []
        [change] = await target.evaluate(T0 + 90 * timedelta(seconds=1))
        assert (change.event, change.severity, change.objective) == (
            "fired", "page", "llm_error_rate"
        )  # fmt: skip
        assert change.rows == ("5m/1h",)
        [alert] = await target.alerts()
        assert (alert.model, alert.gateway, alert.tool, alert.status) == (
            "claude-sonnet-4", True, "chat", "firing"
        )  # fmt: skip
        assert alert.fired_at == T0 + 90 * timedelta(seconds=1)
        assert alert.burn_rates["5m"] >= 14.4
        assert alert.burn_rates["1h"] >= 14.4
        assert 0 < alert.budget_remaining < 1
        assert [(d.event, d.target, d.status) for d in await target.deliveries()] == [
            ("fired", HOOK, "pending")
        ]


@pytest.mark.parametrize(
    ("model", "gateway"), [("some-open-model", True), ("claude-sonnet-4", False)]
)
async def test_the_same_outage_without_a_recommended_model_through_the_gateway_opens_a_ticket(
    pg_api: Api, model: str, gateway: bool
) -> None:
    async with load(pg_api) as target:
        await _outage_load(target, model=model, gateway=gateway)
        [change] = await target.evaluate(T0 + 2 * MINUTE)
        assert (change.event, change.severity) == ("fired", "ticket")
        assert "5m/1h" in change.rows  # a page row, downgraded


async def test_two_percent_errors_for_six_hours_page_through_the_30m_6h_row(pg_api: Api) -> None:
    async with load(pg_api) as target:
        start = T0 - 6 * 60 * MINUTE
        await target.calls(start - 60 * MINUTE, start, 10)
        await target.calls(start, T0, 10, lambda i, ts: i % 50 == 0)  # 2 % of calls fail
        changes = await target.evaluate(T0)
        [change] = [c for c in changes if c.objective == "llm_error_rate"]
        assert change.severity == "page"
        assert "30m/6h" in change.rows
        [alert] = await target.alerts()
        assert alert.burn_rates["6h"] == pytest.approx(20, rel=0.02)
        assert alert.burn_rates["30m"] >= 6  # 5 of its 300 calls failed


async def test_one_failure_in_an_otherwise_quiet_hour_does_not_page(api: Api) -> None:
    async with load(api) as target:
        await target.calls(T0 - 60 * MINUTE, T0 - 57 * MINUTE, 1)  # three calls in an hour
        await target.calls(T0 - 2 * MINUTE, T0 - MINUTE, 1, lambda i, ts: True)
        assert await target.evaluate(T0) == []
        assert await target.alerts() == []


async def test_one_failure_among_steady_traffic_does_not_page(api: Api) -> None:
    async with load(api) as target:
        await target.calls(T0 - 6 * 60 * MINUTE, T0, 4, lambda i, ts: ts == T0 - 2 * MINUTE)
        assert await target.evaluate(T0) == []  # 1 of 240 calls an hour: 4x, not 14.4x


async def test_an_alert_resolves_when_the_burn_stops(api: Api) -> None:
    async with load(api, alert_webhooks=[HOOK]) as target:
        await _outage_load(target)
        [fired] = await target.evaluate(T0 + 2 * MINUTE)
        # Ten minutes after the outage the 30m/6h row and the 6h/3d ticket row still burn.
        assert await target.evaluate(T0 + 15 * MINUTE) == []
        [alert] = await target.alerts()
        assert (alert.status, alert.evaluated_at) == ("firing", T0 + 15 * MINUTE)
        assert alert.burn_rates["30m"] > 6
        # Once the outage has left every short window (6 h), nothing fires any more.
        end = T0 + 5 * MINUTE + 6 * 60 * MINUTE + MINUTE
        [resolved] = await target.evaluate(end)
        assert (resolved.event, resolved.alert_id) == ("resolved", fired.alert_id)
        [alert] = await target.alerts()
        assert (alert.status, alert.resolved_at, alert.active_key) == ("resolved", end, None)
        assert alert.burn_rates["5m"] > 100  # the peak seen while firing is kept
        assert [d.event for d in await target.deliveries()] == ["fired", "resolved"]
        assert await target.evaluate(end + MINUTE) == []


async def test_an_open_ticket_escalates_to_a_page_once(pg_api: Api) -> None:
    async with load(pg_api, alert_webhooks=[HOOK]) as target:
        await target.calls(T0 - 3 * DAY, T0 + 60 * MINUTE, 1, lambda i, ts: i % 200 == 0)
        [ticket] = await target.evaluate(T0 - MINUTE)  # 0.5 % for days: the 6h/3d row
        assert (ticket.severity, ticket.rows) == ("ticket", ("6h/3d",))
        await target.calls(T0, T0 + 5 * MINUTE, 30, lambda i, ts: True)
        [page] = await target.evaluate(T0 + 2 * MINUTE)
        assert (page.event, page.alert_id, page.severity) == ("escalated", ticket.alert_id, "page")
        assert await target.evaluate(T0 + 3 * MINUTE) == []
        assert [d.event for d in await target.deliveries()] == ["fired", "escalated"]


async def test_mutes_silence(api: Api) -> None:
    async with load(api, alert_webhooks=[HOOK]) as target:
        await _outage_load(target)
        until = T0 + 60 * MINUTE
        mute = Mute(model="claude-sonnet-4", until=until, reason="provider incident")
        muted = target.config.model_copy(update={"mutes": [mute]})
        assert await target.evaluate(T0 + 2 * MINUTE, muted) == []
        assert await target.evaluate(T0 + 3 * MINUTE, muted) == []
        assert await target.alerts() == []
        assert await target.deliveries() == []
        # the mute has ended and the 6h/3d row still burns: now it opens, as a ticket
        [change] = await target.evaluate(until + MINUTE, muted)
        assert (change.event, change.severity, change.rows) == ("fired", "ticket", ("6h/3d",))


async def test_two_racing_evaluators_open_and_resolve_each_alert_once(pg_api: Api) -> None:
    hooks = {"alert_webhooks": [HOOK], "alert_slack_webhooks": [f"{HOOK}/slack"]}
    async with load(pg_api, **hooks) as target:
        models = ["claude-sonnet-4", "gpt-5", "some-open-model"]
        for model in models:  # an outage at T0 for three groups at once
            await target.calls(T0 - 60 * MINUTE, T0 + 7 * 60 * MINUTE, 6, outage(T0), model=model)
        at = T0 + 2 * MINUTE
        first, second = await asyncio.gather(target.evaluate(at), target.evaluate(at))
        assert sorted(c.group.model for c in first + second) == sorted(models)
        assert {c.event for c in first + second} == {"fired"}
        assert len(await target.alerts()) == 3
        end = T0 + 5 * MINUTE + 6 * 60 * MINUTE + MINUTE  # the outage has left every window
        first, second = await asyncio.gather(target.evaluate(end), target.evaluate(end))
        assert sorted(c.group.model for c in first + second) == sorted(models)
        assert {c.event for c in first + second} == {"resolved"}
        assert {a.status for a in await target.alerts()} == {"resolved"}
        sent = [(d.alert_id, d.event, d.target) for d in await target.deliveries()]
        assert len(sent) == len(set(sent)) == 3 * 2 * 2  # alerts, events, targets


async def test_an_evaluator_behind_the_clock_changes_nothing(pg_api: Api) -> None:
    async with load(pg_api) as target:
        await _outage_load(target)
        await target.evaluate(T0 + 2 * MINUTE)
        assert await target.evaluate(T0 - 60 * MINUTE) == []  # sees no outage, resolves nothing
        [alert] = await target.alerts()
        assert alert.status == "firing"
        assert alert.evaluated_at == T0 + 2 * MINUTE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("objectives: [{name: x, kind: latency, target: 0.9}]", "needs latency_threshold_ms"),
        ("objectives: [{name: x, kind: llm_error_rate, target: 0.9, typo: 1}]", "typo"),
        (None, "cannot read the SLO file"),
    ],
)
async def test_a_bad_slo_file_stops_the_start_with_a_clear_error(
    sqlite_url: str, tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "slo.yaml"
    if text is not None:
        path.write_text(text)
    app = create_app(Settings(database_url=sqlite_url, slo_file=path))
    with pytest.raises(SloConfigError, match=message) as caught:
        async with app.router.lifespan_context(app):
            pass
    assert str(path) in str(caught.value)


async def test_calls_that_name_no_provider_or_tool_alert_in_groups_of_their_own(
    api: Api,
) -> None:
    async with load(api) as target:
        await _outage_load(target)
        await _outage_load(target, provider=None, tool=None, model="gpt-5")
        changes = await target.evaluate(T0 + 2 * MINUTE)
        groups = {(c.group.provider, c.group.model, c.group.tool) for c in changes}
        assert groups == {("anthropic", "claude-sonnet-4", "chat"), (None, "gpt-5", None)}
        assert {c.severity for c in changes} == {"page"}
        # 40 % of "chat" calls fail: 8x the 95 % budget, short of the tool objective's 14.4x
        assert {c.objective for c in changes} == {"llm_error_rate"}


async def test_arq_workers_run_the_alert_cycle_once_a_minute_on_one_worker(pg_url: str) -> None:
    [job] = [c for c in WorkerSettings.cron_jobs if c.name == "alerts"]
    assert job.unique
    assert job.second == {30}
    redis = ArqRedis.from_url(REDIS_URL)
    ctx: dict[str, Any] = {"settings": Settings(database_url=pg_url), "redis": redis}
    try:
        await startup(ctx)
        assert ctx["slo"] == DEFAULT_CONFIG
        assert set(await alerts_job(ctx)) == {"changes", "sent", "failed"}
    finally:
        await shutdown(ctx)
        await redis.aclose()
