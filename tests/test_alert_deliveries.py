"""Webhook deliveries to a real local receiver: once per event, retried after failures,
never sent twice by racing workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from store.settings import Settings
from tests.alert_load import T0, Load, load
from tests.conftest import Api
from tests.webhook_receiver import Receiver, serve_receiver
from workers.alert_delivery import deliver_alerts
from workers.context import build_context

MINUTE = timedelta(minutes=1)
FIRED_AT = T0 + 2 * MINUTE
RESOLVED_AT = T0 + 5 * MINUTE + 6 * 60 * MINUTE + MINUTE


@pytest.fixture
async def hooks() -> AsyncIterator[Receiver]:
    async with serve_receiver() as receiver:
        yield receiver


def _targets(hooks: Receiver) -> dict[str, list[str]]:
    return {"alert_webhooks": [hooks.url("/json")], "alert_slack_webhooks": [hooks.url("/slack")]}


async def _outage(target: Load) -> None:
    """Six calls a minute for three days, all failing from T0 to T0+5m."""
    end = T0 + 5 * MINUTE
    await target.calls(T0 - timedelta(days=3), RESOLVED_AT, 6, lambda i, ts: T0 <= ts < end)


async def test_fire_and_resolve_arrive_exactly_once_each(api: Api, hooks: Receiver) -> None:
    async with load(api, **_targets(hooks)) as target:
        await _outage(target)
        await target.evaluate(FIRED_AT)
        assert (await deliver_alerts(api.state.jobs, FIRED_AT)).sent == 0  # not its targets
        assert (await deliver_alerts(target.ctx, FIRED_AT)).sent == 2
        assert (await deliver_alerts(target.ctx, FIRED_AT + MINUTE)).sent == 0
        await target.evaluate(RESOLVED_AT)
        assert (await deliver_alerts(target.ctx, RESOLVED_AT)).sent == 2
        assert (await deliver_alerts(target.ctx, RESOLVED_AT + MINUTE)).sent == 0
        sent = hooks.on("/json")
        assert [hit.body["event"] for hit in sent] == ["fired", "resolved"]
        alert = sent[0].body["alert"]
        assert (alert["objective"], alert["model"], alert["severity"], alert["gateway"]) == (
            "llm_error_rate", "claude-sonnet-4", "page", True
        )  # fmt: skip
        assert sent[1].body["alert"]["status"] == "resolved"
        ids = {hit.headers["X-Session-Judge-Delivery"] for hit in hooks.hits}
        assert len(ids) == 4
        fired, resolved = hooks.on("/slack")
        assert fired.body["text"].startswith(":rotating_light: PAGE fired: llm_error_rate")
        assert "anthropic/claude-sonnet-4" in fired.body["text"]
        assert fired.body["blocks"][0]["text"]["text"] == fired.body["text"]
        assert resolved.body["text"].startswith(":white_check_mark: resolved")
        rows = await target.deliveries()
        assert [(d.status, d.attempts) for d in rows] == [("sent", 1)] * 4


async def test_a_delivery_is_retried_after_the_receiver_answered_500(
    pg_api: Api, hooks: Receiver
) -> None:
    async with load(pg_api, alert_webhooks=[hooks.url("/json")]) as target:
        await _outage(target)
        await target.evaluate(FIRED_AT)
        hooks.statuses.append(500)
        report = await deliver_alerts(target.ctx, FIRED_AT)
        assert (report.sent, report.retrying) == (0, 1)
        [row] = await target.deliveries()
        assert (row.status, row.attempts, row.last_error) == (
            "pending",
            1,
            'HTTP 500: {"ok": false}',
        )
        assert row.next_attempt_at == FIRED_AT + timedelta(seconds=30)  # the backoff
        assert (await deliver_alerts(target.ctx, FIRED_AT + 10 * timedelta(seconds=1))).sent == 0
        assert (await deliver_alerts(target.ctx, FIRED_AT + MINUTE)).sent == 1
        [row] = await target.deliveries()
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
        first, second = hooks.hits
        assert first.body == second.body


async def test_a_delivery_is_given_up_after_the_last_attempt(pg_api: Api, hooks: Receiver) -> None:
    settings = {"alert_webhooks": [hooks.url("/json")], "alert_delivery_max_attempts": 2,
                "alert_delivery_backoff_seconds": 0}  # fmt: skip
    async with load(pg_api, **settings) as target:
        await _outage(target)
        await target.evaluate(FIRED_AT)
        hooks.statuses.extend([500, 503, 200])
        assert (await deliver_alerts(target.ctx, FIRED_AT)).retrying == 1
        assert (await deliver_alerts(target.ctx, FIRED_AT)).failed == 1
        assert (await deliver_alerts(target.ctx, FIRED_AT + MINUTE)).sent == 0
        [row] = await target.deliveries()
        assert (row.status, row.attempts) == ("failed", 2)
        assert row.last_error is not None
        assert row.last_error.startswith("HTTP 503")
        assert len(hooks.hits) == 2


async def test_two_concurrent_deliverers_do_not_double_send(api: Api, hooks: Receiver) -> None:
    async with load(api, **_targets(hooks)) as target:
        await _outage(target)
        await target.evaluate(FIRED_AT)
        other = await build_context(
            Settings(database_url=api.settings.database_url, **_targets(hooks))
        )
        hooks.delay = 0.2  # both are still sending when the other one looks
        try:
            reports = await asyncio.gather(
                deliver_alerts(target.ctx, FIRED_AT), deliver_alerts(other, FIRED_AT)
            )
        finally:
            await other.close()
        assert sum(r.sent for r in reports) == 2
        assert sorted(hit.path for hit in hooks.hits) == ["/json", "/slack"]


async def test_one_batch_records_each_delivery_as_it_went(api: Api, hooks: Receiver) -> None:
    refused = "http://127.0.0.1:9/one-batch"  # nothing listens there; no other test uses it
    async with load(api, alert_webhooks=[hooks.url("/json"), refused]) as target:
        await _outage(target)
        await target.evaluate(FIRED_AT)
        report = await deliver_alerts(target.ctx, FIRED_AT)
        assert (report.sent, report.retrying, report.failed) == (1, 1, 0)
        rows = {d.target: d for d in await target.deliveries()}
        assert (rows[hooks.url("/json")].status, rows[hooks.url("/json")].sent_at) == (
            "sent", FIRED_AT
        )  # fmt: skip
        failed = rows[refused]
        assert (failed.status, failed.attempts) == ("pending", 1)
        assert failed.next_attempt_at == FIRED_AT + timedelta(seconds=30)
        assert failed.last_error is not None
        assert failed.last_error.startswith("ConnectError")
