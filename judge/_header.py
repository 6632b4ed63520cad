"""The transcript's header: the facts the rules established, stated before the events."""

from __future__ import annotations

from judge._events import duration
from rules.model import Session
from rules.schemas import SessionMetrics


def header(session: Session, metrics: SessionMetrics) -> str:
    """The facts the rules established, stated before the events."""
    m, evidence = metrics, metrics.termination_evidence
    reasons = "; ".join(evidence.reasons) or "no reasons given"
    return "\n".join(
        [
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
                cost_usd=f"{m.cost_usd:.4f}",
            ),
            f"tools: {_counts(m.tool_calls_by_tool)}",
            f"errors: {_counts(m.errors_by_type)}",
            f"loops: {_pairs(**m.loops.model_dump())}",
            f"termination evidence: {evidence.termination or 'none'} "
            f"(confidence {evidence.confidence:.2f}): {reasons}",
            f"events ({len(session.events)}, each numbered [index]; ×N marks N identical calls):",
        ]
    )


def _pairs(**values: object) -> str:
    def show(value: object) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    return " ".join(f"{key}={show(value)}" for key, value in values.items() if value is not None)


def _counts(counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {n}" for name, n in ranked) or "none"
