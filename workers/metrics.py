"""Prometheus metrics of the service, defined once (prometheus-client's default registry).

Counters and histograms are recorded where things happen (ingest, the judge job, alert
deliveries), each a dictionary lookup and an add; the gauges are read when scraped
(:func:`refresh_gauges`). The API serves them at ``/metrics``; arq workers, which judge
in processes of their own, serve theirs on ``SESSION_JUDGE_WORKER_METRICS_PORT``.
"""

from __future__ import annotations

import logging
from typing import Any

from arq.constants import default_queue_name
from prometheus_client import Counter, Gauge, Histogram, start_http_server
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.alerts import firing_by_severity
from workers.queue import ArqQueue, InProcessQueue, JobQueue

log = logging.getLogger(__name__)

SESSIONS_INGESTED = Counter(
    "session_judge_sessions_ingested",
    "Sessions submitted, by outcome (created, duplicate, replaced, conflict, rejected).",
    ["status"],
)
JUDGE_JOBS = Counter(
    "session_judge_judge_jobs",
    "Judge jobs finished, by outcome (judged, skipped, failed, gone, already_judged).",
    ["outcome"],
)
JUDGE_LLM_SKIPPED = Counter(
    "session_judge_judge_llm_skipped",
    "Judge jobs the offline judge answered although an LLM is configured, by reason "
    "(certain_termination); each is also counted as judged.",
    ["reason"],
)
JUDGE_SECONDS = Histogram(
    "session_judge_judge_seconds",
    "Time one judge job took, from loading the session to storing the outcome.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60, 120),
)
JUDGE_TOKENS = Counter(
    "session_judge_judge_tokens", "Tokens the LLM judge used, by kind.", ["kind"]
)
QUEUE_DEPTH = Gauge("session_judge_queue_depth", "Judge jobs waiting in the queue.")
ALERTS_FIRING = Gauge("session_judge_alerts_firing", "Alerts firing now.", ["severity"])
ALERT_DELIVERIES = Counter(
    "session_judge_alert_deliveries",
    "Webhook delivery attempts, by outcome (sent, retrying, failed).",
    ["outcome"],
)


def record_judgement(outcome: str, seconds: float | None, usage: dict[str, Any] | None) -> None:
    """One judge job done: its outcome, duration and the judge's tokens."""
    JUDGE_JOBS.labels(outcome).inc()
    if seconds is not None:
        JUDGE_SECONDS.observe(seconds)
    if usage:
        JUDGE_TOKENS.labels("input").inc(usage.get("input_tokens", 0))
        JUDGE_TOKENS.labels("output").inc(usage.get("output_tokens", 0))


def record_llm_skipped(reason: str) -> None:
    JUDGE_LLM_SKIPPED.labels(reason).inc()


async def queue_depth(queue: JobQueue) -> int | None:
    """Jobs waiting: the arq queue's length on Redis, or the in-process queue's size."""
    if isinstance(queue, ArqQueue):
        try:
            return int(await queue.redis.zcard(default_queue_name))
        except (RedisError, OSError) as exc:
            log.warning("queue depth unknown: %s", exc)
            return None
    if isinstance(queue, InProcessQueue):
        return queue.depth()
    return None


async def refresh_gauges(db: DbSession, queue: JobQueue) -> None:
    """Set the gauges from the database and the queue, just before a scrape."""
    depth = await queue_depth(queue)
    if depth is not None:
        QUEUE_DEPTH.set(depth)
    firing = await firing_by_severity(db)
    for severity in ("page", "ticket"):
        ALERTS_FIRING.labels(severity).set(firing.get(severity, 0))


def serve_worker_metrics(port: int | None) -> None:
    """An arq worker's own ``/metrics`` (its judge jobs), when a port is configured."""
    if port is not None:
        start_http_server(port)
