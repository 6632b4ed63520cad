"""``GET /v1/alerts`` (firing and history, filtered, paged, per project) and ``GET /v1/slos``
(burn rates and budget per group, computed at request time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from tests.alert_load import T0, load
from tests.conftest import Api

MINUTE = timedelta(minutes=1)
HOUR = 60 * MINUTE


def _during(start: datetime) -> Any:
    return lambda i, ts: start <= ts < start + 5 * MINUTE


async def test_alerts_lists_firing_and_history_newest_first_with_filters(api: Api) -> None:
    async with load(api) as target:
        span = (T0 - timedelta(days=3), T0 + 7 * HOUR)
        await target.calls(*span, 6, _during(T0))  # a recommended model: pages
        await target.calls(*span, 6, _during(T0 + 6 * HOUR), model="other")  # a ticket
        await target.evaluate(T0 + 2 * MINUTE)
        await target.evaluate(T0 + 6 * HOUR + 2 * MINUTE)
        await target.evaluate(T0 + 6 * HOUR + 7 * MINUTE)  # the first has resolved

        async def get(**params: Any) -> dict[str, Any]:
            r = await api.client.get("/v1/alerts", params=params, headers=api.auth(target.key))
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        every = (await get())["items"]
        assert [(a["model"], a["severity"], a["status"]) for a in every] == [
            ("other", "ticket", "firing"), ("claude-sonnet-4", "page", "resolved")
        ]  # fmt: skip
        assert every[1]["resolved_at"] is not None
        assert every[1]["budget_remaining"] < 1
        assert [a["model"] for a in (await get(status="firing"))["items"]] == ["other"]
        assert [a["model"] for a in (await get(severity="page"))["items"]] == ["claude-sonnet-4"]
        assert (await get(status="resolved", severity="ticket"))["items"] == []
        first = await get(limit=1)
        rest = await get(limit=1, cursor=first["next_cursor"])
        assert [a["model"] for a in first["items"] + rest["items"]] == ["other", "claude-sonnet-4"]
        stranger = await api.new_key("read")
        r = await api.client.get("/v1/alerts", headers=api.auth(stranger))
        assert r.json()["items"] == []


async def test_alerts_rejects_an_unknown_status_in_the_error_shape(api: Api) -> None:
    key = await api.new_key("read")
    r = await api.client.get("/v1/alerts", params={"status": "open"}, headers=api.auth(key))
    assert r.status_code == 422
    assert r.json()["error"] == "ValidationError"
    assert r.json()["detail"][0]["loc"] == ["query", "status"]


async def test_slos_shows_burn_rates_and_budget_per_group_now(api: Api) -> None:
    async with load(api) as target:
        now = datetime.now(UTC)
        await target.calls(now - 2 * HOUR, now - 10 * MINUTE, 6)
        await target.calls(now - 10 * MINUTE, now, 6, lambda i, ts: i % 2 == 0)  # half fail
        r = await api.client.get("/v1/slos", headers=api.auth(target.key))
        assert r.status_code == 200, r.text
        by_name = {o["name"]: o for o in r.json()["objectives"]}
        assert set(by_name) == {"llm_error_rate", "tool_error_rate", "llm_latency"}
        errors = by_name["llm_error_rate"]
        assert (errors["target"], errors["period"]) == (0.999, "30d")
        [group] = [g for g in errors["groups"] if g["model"] == "claude-sonnet-4" and g["gateway"]]
        windows = {w["window"]: w for w in group["windows"]}
        assert list(windows) == ["5m", "30m", "1h", "6h", "3d", "30d"]
        assert windows["5m"]["burn_rate"] > 400  # about half the calls of the last 5 minutes
        assert windows["30d"]["bad"] == 30
        assert group["budget_remaining"] < 0  # 30 of 720 calls failed: overspent
        assert (group["severity"], group["muted"]) == ("page", False)
        assert "5m/1h" in group["firing_rows"]
        [tool] = by_name["tool_error_rate"]["groups"]
        assert (tool["tool"], tool["model"], tool["gateway"]) == ("chat", None, None)


def test_cli_evaluates_now_and_names_an_unknown_project(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_JUDGE_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    done = runner.invoke(cli, ["alerts", "evaluate"])
    assert done.exit_code == 0, done.output
    assert "deliveries sent 0" in done.output
    unknown = runner.invoke(cli, ["alerts", "evaluate", "--project", "no-such-project"])
    assert unknown.exit_code == 2
    assert "no project named 'no-such-project'" in unknown.output
