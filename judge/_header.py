"""The transcript's header: the facts the rules established, stated before the events.

Only what tells the judge something: zero counts, default loop signals and empty
lists are left out (the legend says so), so a short chat gets a short header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import median

from judge._events import FAILED, duration
from judge._groups import hidden
from rules.model import Session
from rules.schemas import SessionMetrics

_MODELS = 3
_COUNTS = 5


def header(session: Session, metrics: SessionMetrics, wrappers: Sequence[str] = ()) -> str:
    """The facts the rules established, stated before the events."""
    m, evidence = metrics, metrics.termination_evidence
    loops = m.loops.model_dump(exclude={"unique_tools"})
    if m.loops.longest_identical_streak <= 1:
        del loops["longest_identical_streak"]
    lines = [
        "session: "
        + _pairs(
            source=session.source,
            client=session.client_version,
            mode=session.mode,
            end_reason=session.end_reason,
            duration=None if m.duration_ms is None else duration(m.duration_ms),
            events=len(session.events),
        ),
        "metrics: "
        + _pairs(
            user_turns=m.user_turns,
            steps=m.steps,
            tool_calls=m.tool_calls,
            tool_errors=m.tool_errors,
            llm_calls_failed=m.llm_calls_failed,
            condensed=m.condense_count,
            tokens_in=m.tokens_input,
            tokens_out=m.tokens_output,
            cost_usd=m.cost_usd,
        ),
        _counts("tools", m.tool_calls_by_tool),
        _counts("errors", m.errors_by_type),
        _llm_calls(session),
        f"loops: {_pairs(**loops)}",
        f"termination evidence: {evidence.termination or 'none'} "
        f"(confidence {evidence.confidence:.2f}): {'; '.join(evidence.reasons) or 'no reasons'}",
        _wrappers(wrappers),
        f"events (calls ok unless {FAILED}):",
    ]
    return "\n".join(line for line in lines if line and not line.endswith(": "))


def _llm_calls(session: Session) -> str:
    """Successful llm_calls, which get no line of their own: how many, which models, how fast.

    The session's last event has a line whatever it is, so it is not counted here.
    """
    calls = [event for event in session.events[:-1] if hidden(event)]
    if not calls:
        return ""
    models = Counter("/".join(p for p in (e.provider, e.model) if p) or "?" for e in calls)
    shown = ", ".join(f"{name} {n}" for name, n in models.most_common(_MODELS))
    latencies = [e.latency_ms for e in calls if e.latency_ms is not None]
    speed = (
        f"; latency median {duration(median(latencies))}, max {duration(max(latencies))}"
        if latencies
        else ""
    )
    more = ", …" if len(models) > _MODELS else ""
    return f"successful llm_calls (no line below): {len(calls)} ({shown}{more}){speed}"


def _wrappers(lines: Sequence[str]) -> str:
    if not lines:
        return ""
    return "lines cut from the edges of every output: " + " | ".join(lines)


def _pairs(**values: object) -> str:
    """``key=value`` for every value that says something: not None, zero, false or empty."""

    def show(value: object) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    return " ".join(f"{key}={show(value)}" for key, value in values.items() if value)


def _counts(label: str, counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{name} {n}" for name, n in ranked[:_COUNTS])
    more = f", {len(ranked) - _COUNTS} more" if len(ranked) > _COUNTS else ""
    return f"{label}: {shown}{more}"
