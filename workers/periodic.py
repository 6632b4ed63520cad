"""In-process mode's cron: a job run every ``interval`` seconds for ever, a failure
logged and tried again at the next turn (arq's cron does this with Redis)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


async def every(interval: float, name: str, job: Callable[[], Awaitable[Any]]) -> None:
    while True:
        try:
            await job()
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, interval)
        await asyncio.sleep(interval)
