"""Bounded OTLP work: a few requests at work, a few waiting, the rest turned away.

Unbounded queueing would turn a burst into memory growth and ever longer latencies; the
OTLP specification asks a busy server to say so (503 with ``Retry-After``) so exporters
back off and retry.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request

from api.errors import ServiceError
from store.settings import Settings


class Overloaded(ServiceError):
    status_code, error = 503, "Overloaded"


class Gate:
    """At most ``concurrency`` requests at work and ``queue`` more admitted, waiting."""

    def __init__(self, concurrency: int, queue: int, retry_after: int) -> None:
        self.slot = asyncio.Semaphore(concurrency)
        self._limit = concurrency + queue
        self._admitted = 0
        self._retry_after = retry_after

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Admit a request (before its body is read) or raise 503 at once."""
        if self._admitted >= self._limit:
            raise Overloaded(
                f"{self._admitted} OTLP requests in progress; retry later",
                headers={"Retry-After": str(self._retry_after)},
            )
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1


def gate_of(request: Request, settings: Settings) -> Gate:
    """The app's gate, made on first use (one per app, on the app's event loop)."""
    gate: Gate | None = getattr(request.app.state, "otlp_gate", None)
    if gate is None:
        gate = Gate(
            settings.otlp_concurrency, settings.otlp_queue, settings.otlp_retry_after_seconds
        )
        request.app.state.otlp_gate = gate
    return gate
