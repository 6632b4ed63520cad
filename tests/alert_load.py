"""Synthetic LLM traffic placed in time, and an alerting context, for the alert tests.

Traffic lives in 2031, after the real clock: the in-process alert loops of the other
test apps evaluate at the real ``now``, see none of it, and never touch alerts that
were evaluated later than their ``now``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from rules.slo import SloConfig, load_slo_config
from store.keys import authenticate
from store.models import Alert, AlertDelivery, LlmCall, SessionRow
from store.settings import REPO_ROOT, Settings
from tests.conftest import Api
from tests.sessions import session_doc
from workers.alerts import AlertChange, evaluate_alerts
from workers.context import JobContext, build_context

T0 = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
DEFAULT_CONFIG = load_slo_config((REPO_ROOT / "deploy" / "slo.yaml").read_text())


@dataclass
class Load:
    """One test's project on one backend, with a session its synthetic calls hang on."""

    api: Api
    key: str
    ctx: JobContext
    project_id: int
    session_pk: int
    config: SloConfig = DEFAULT_CONFIG

    async def calls(
        self,
        start: datetime,
        end: datetime,
        per_minute: int,
        failed: Callable[[int, datetime], bool] = lambda i, ts: False,
        **fields: Any,
    ) -> None:
        """``per_minute`` calls from ``start`` (inclusive) to ``end`` (exclusive); call
        ``i`` at ``ts`` fails when ``failed(i, ts)``."""
        step = timedelta(minutes=1) / per_minute
        values = {"provider": "anthropic", "model": "claude-sonnet-4", "tool": "chat",
                  "gateway": True, "latency_ms": 900.0} | fields  # fmt: skip
        rows, ts, i = [], start, 0
        while ts < end:
            rows.append(self._row(i, ts, not failed(i, ts), values))
            ts, i = ts + step, i + 1
        async with self.ctx.sessions() as db:
            await db.execute(insert(LlmCall), rows)
            await db.commit()

    def _row(self, i: int, ts: datetime, ok: bool, values: dict[str, Any]) -> dict[str, Any]:
        return {"project_id": self.project_id, "session_pk": self.session_pk, "seq": i,
                "ts": ts, "ok": ok, "error_type": None if ok else "overloaded",
                "ttft_ms": 100.0, "input_tokens": 10, "output_tokens": 10,
                "cache_read_tokens": 0, "cost_usd": 0.0} | values  # fmt: skip

    async def evaluate(self, at: datetime, config: SloConfig | None = None) -> list[AlertChange]:
        return await evaluate_alerts(self.ctx, config or self.config, at, [self.project_id])

    async def alerts(self) -> list[Alert]:
        async with self.ctx.sessions() as db:
            rows = await db.scalars(
                select(Alert).where(Alert.project_id == self.project_id).order_by(Alert.id)
            )
            return list(rows)

    async def deliveries(self) -> list[AlertDelivery]:
        async with self.ctx.sessions() as db:
            rows = await db.scalars(
                select(AlertDelivery)
                .join(Alert, Alert.id == AlertDelivery.alert_id)
                .where(Alert.project_id == self.project_id)
                .order_by(AlertDelivery.id)
            )
            return list(rows)


@asynccontextmanager
async def load(api: Api, **settings: Any) -> AsyncIterator[Load]:
    """A fresh project on ``api``'s database and an alerting context with ``settings``."""
    key = await api.new_key("ingest", "read")  # the project of this test
    doc = session_doc()
    r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
    assert r.status_code == 201, r.text
    ctx = await build_context(Settings(database_url=api.settings.database_url, **settings))
    try:
        async with ctx.sessions() as db:
            principal = await authenticate(db, key)
            assert principal is not None
            pk = await db.scalar(
                select(SessionRow.pk).where(
                    SessionRow.project_id == principal.project_id,
                    SessionRow.session_id == doc["session_id"],
                )
            )
        assert pk is not None
        yield Load(api, key, ctx, principal.project_id, pk)
    finally:
        await ctx.close()
