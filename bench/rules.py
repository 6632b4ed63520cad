"""Throughput of ``rules.compute_metrics`` (not a test; prints figures).

Run: ``.venv/bin/python bench/rules.py`` (or ``python -m bench.rules``) from the project
root. Sessions are built before timing; only ``compute_metrics`` is timed, best of a few
repeats, on one core.
"""

from __future__ import annotations

import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

# Run as a script, this file's folder heads sys.path and the file would shadow the
# ``rules`` package; the project root takes its place.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from rules import Session, compute_metrics  # noqa: E402

_START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
_TOOLS = ("read_file", "write_to_file", "execute_command", "search_files", "list_files")
_PATHS = tuple(f"src/module_{i}.py" for i in range(40))
_REPEATS = 5


def _tool_call(rng: random.Random, ts: str) -> dict[str, Any]:
    path = rng.choice(_PATHS)
    ok = rng.random() > 0.15
    event: dict[str, Any] = {
        "type": "tool_call",
        "ts": ts,
        "tool": rng.choice(_TOOLS),
        "args": {"path": path, "line": rng.randint(1, 5)},
        "ok": ok,
        "duration_ms": rng.randint(1, 500),
        "files": [path],
    }
    if not ok:
        event["error"] = "exit status 1"
    return event


def _llm_call(rng: random.Random, ts: str) -> dict[str, Any]:
    ok = rng.random() > 0.05
    return {
        "type": "llm_call",
        "ts": ts,
        "provider": "anthropic",
        "model": "claude-sonnet-4",
        "latency_ms": rng.randint(200, 5000),
        "ttft_ms": rng.randint(50, 800),
        "ok": ok,
        "error_type": None if ok else "rate_limited",
        "input_tokens": rng.randint(1000, 50000),
        "output_tokens": rng.randint(10, 2000),
        "cache_read_tokens": rng.randint(0, 10000),
        "cost_usd": 0.01,
    }


def _other(rng: random.Random, ts: str) -> dict[str, Any]:
    kind = rng.choice(("user_message", "assistant_message", "context_condensed", "error"))
    return {"type": kind, "ts": ts, "text": "Shall I go on?", "error_type": "invalid_output"}


def _session(n_events: int, seed: int) -> Session:
    """A session of ``n_events``: 45% tool calls, 35% llm calls, the rest everything else."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = [{"type": "user_message", "ts": _START.isoformat()}]
    for i in range(1, n_events - 1):
        ts = (_START + timedelta(milliseconds=i * 700)).isoformat()
        roll = rng.random()
        make = _tool_call if roll < 0.45 else _llm_call if roll < 0.8 else _other
        events.append(make(rng, ts))
    end = (_START + timedelta(milliseconds=n_events * 700)).isoformat()
    events.append({"type": "completion", "ts": end, "text": "Done."})
    return Session.model_validate(
        {"session_id": f"bench-{seed}", "end_reason": "completed", "events": events[:n_events]}
    )


def _best_seconds(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(_REPEATS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _report(label: str, events: int, seconds: float) -> None:
    print(f"{label:<34} {seconds * 1000:10.1f} ms {events / seconds:12,.0f} events/s")


def main() -> None:
    print(f"compute_metrics, python {platform.python_version()}, best of {_REPEATS}")
    one = _session(10_000, seed=1)
    _report("one session of 10,000 events", 10_000, _best_seconds(partial(compute_metrics, one)))

    small = [_session(20, seed=i) for i in range(10_000)]
    total = sum(len(s.events) for s in small)
    seconds = _best_seconds(lambda: [compute_metrics(s) for s in small])
    _report(f"10,000 sessions of {total // len(small)} events", total, seconds)

    print("scaling (time should grow linearly with the events):")
    for size in (1_000, 10_000, 100_000):
        session = _session(size, seed=size)
        seconds = _best_seconds(partial(compute_metrics, session))
        _report(f"  one session of {size:,} events", size, seconds)


if __name__ == "__main__":
    main()
