"""A webhook receiver: a real aiohttp server on 127.0.0.1 recording what it is sent.

It runs in the test's own event loop. ``statuses`` scripts the answers (the next status
for each request, 200 when empty); ``delay`` holds every answer back, so that two
senders racing for the same delivery would both be caught in the act.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Hit:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    base: str = ""
    hits: list[Hit] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    delay: float = 0.0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def on(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(Hit(request.path, await request.json(), dict(request.headers)))
        await asyncio.sleep(self.delay)
        status = self.statuses.popleft() if self.statuses else 200
        return web.json_response({"ok": status < 300}, status=status)


@asynccontextmanager
async def serve_receiver() -> AsyncIterator[Receiver]:
    """A receiver listening on an ephemeral port until the block ends."""
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", recv.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    recv.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield recv
    finally:
        await runner.cleanup()
