"""Where ``session-judge import`` sends sessions: a running service, or the database itself.

Both answer one ``(status, reason)`` per session: ``created``, ``duplicate``, or
``rejected`` with the reason (a validation error, different content under a known id).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from api.errors import ServiceError
from api.payload import parse_session
from rules import LoopThresholds, Session
from store.engine import create_engine, session_factory
from store.ingest import IngestOutcome, ingest, prepare
from store.keys import ensure_project
from store.settings import Settings

Result = tuple[str, str | None]
_CONFLICT = "different content under a known session_id"


class ImportFailed(Exception):
    """The destination refused the import as a whole (bad key, service down, …)."""


class Sink(Protocol):
    async def submit(self, sessions: list[Session]) -> list[Result]: ...

    async def close(self) -> None: ...


def wire(session: Session) -> dict[str, Any]:
    return session.model_dump(mode="json", exclude_defaults=True)


class HttpSink:
    """``POST /v1/sessions:batch`` to a running service."""

    def __init__(self, url: str, key: str) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=120)

    async def submit(self, sessions: list[Session]) -> list[Result]:
        body = {"sessions": [wire(s) for s in sessions]}
        try:
            r = await self._client.post("/v1/sessions:batch", json=body)
        except httpx.HTTPError as exc:
            raise ImportFailed(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code != 200:
            raise ImportFailed(f"{r.status_code} from the service: {r.text[:300]}")
        return [_http_result(item) for item in r.json()["items"]]

    async def close(self) -> None:
        await self._client.aclose()


def _http_result(item: dict[str, Any]) -> Result:
    status = item["status"]
    if status in ("created", "duplicate", "replaced"):
        return ("duplicate" if status == "duplicate" else "created"), None
    reason = _CONFLICT if status == "conflict" else f"{item['error']}: {item['detail']}"
    return "rejected", reason


class DirectSink:
    """Straight into the configured database; the sessions stay ``pending`` until the
    service's sweep queues them for the judge."""

    def __init__(self, settings: Settings, project: str) -> None:
        self._settings = settings
        self._project = project
        self._project_id: int | None = None
        self._engine: AsyncEngine = create_engine(settings)
        self._sessions = session_factory(self._engine)
        s = settings
        self._thresholds = LoopThresholds(
            identical_streak=s.stuck_identical_streak,
            identical_failing=s.stuck_identical_failing,
            oscillation=s.stuck_oscillation,
        )

    async def submit(self, sessions: list[Session]) -> list[Result]:
        checked: list[Session | ServiceError] = []
        for session in sessions:
            try:  # the limits the API applies (truncation, nesting, event count)
                checked.append(parse_session(wire(session), self._settings, ["session"]))
            except ServiceError as exc:
                checked.append(exc)
        valid = [prepare(s, self._thresholds) for s in checked if isinstance(s, Session)]
        async with self._sessions() as db:
            if self._project_id is None:
                self._project_id = (await ensure_project(db, self._project)).id
            outcomes = iter(await ingest(db, self._project_id, valid))
            await db.commit()
        return [_direct_result(s, outcomes) for s in checked]

    async def close(self) -> None:
        await self._engine.dispose()


def _direct_result(checked: Session | ServiceError, outcomes: Any) -> Result:
    if isinstance(checked, ServiceError):
        return "rejected", f"{checked.error}: {checked.detail}"
    outcome: IngestOutcome = next(outcomes)
    if outcome.status == "conflict":
        return "rejected", _CONFLICT
    return ("duplicate" if outcome.status == "duplicate" else "created"), None
