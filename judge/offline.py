"""The offline judge: a verdict from the rules' evidence and the user's thumbs, no LLM.

It is the embedded default when no endpoint is configured, and every rationale it writes
starts with ``offline judge:`` so its verdicts are never mistaken for an LLM's.

Termination is the rules' termination evidence; without any, the end reason decides, and
without that, ``abandoned`` with low confidence (a session that stops with no completion,
error or timeout is most often one the user left).

Helpfulness is a score in 0..1, starting from an even 0.5:

- how the session ended moves it most (completed +0.3, errored -0.3, timed_out -0.2,
  abandoned -0.15), scaled by the evidence's confidence;
- being stuck in a loop costs 0.15; a tool error rate r costs 0.2·r; each error that is
  not a tool error 0.05 (at most 0.15); repeated calls cost 0.1·repeat_ratio;
- the events' own signals (``judge.offline_signals``): failed calls among the last tool
  calls cost 0.1·their share; a passing test run at the end earns 0.05; effort moves the
  score by 0.02 per doubling of the agent's actions away from a typical 32 (fewer is
  better), at most 0.06 either way, so that length orders sessions within a band but
  cannot outweigh how they ended.

Explicit feedback outranks all of that: the user's latest thumbs up puts the score in
0.8..1, a thumbs down in 0..0.2, the signals only ordering sessions within each band
(which keeps the score useful for ROC AUC). Labels: helpful from 0.65, partially_helpful
from 0.4, unhelpful below; unknown when the session holds nothing to judge.

The verdict's confidence is the mean of the termination's and the helpfulness's: 0.9
for the latter with thumbs, else 0.3 plus the score's distance from 0.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from judge.offline_signals import read_signals
from judge.verdict import Helpfulness, Sentiment, Verdict
from rules.model import Event
from rules.schemas import SessionMetrics, Termination

PREFIX = "offline judge:"
_ENDINGS: dict[str, float] = {
    "completed": 0.3,
    "errored": -0.3,
    "timed_out": -0.2,
    "abandoned": -0.15,
}
_BY_END_REASON: dict[str, Termination] = {
    "completed": "completed",
    "user_closed": "abandoned",
    "timeout": "timed_out",
    "error": "errored",
}
_END_REASON_CONFIDENCE = 0.5
_GUESS_CONFIDENCE = 0.2
_FEEDBACK_CONFIDENCE = 0.9
_HELPFUL, _PARTIAL = 0.65, 0.4
_TYPICAL_ACTIONS = 32
_EFFORT_PER_DOUBLING, _EFFORT_CAP = 0.02, 0.06


def offline_helpfulness_score(
    metrics: SessionMetrics, feedback: Sequence[str], events: Sequence[Event]
) -> float:
    """How helpful the session looks, 0..1; the latest thumbs decide the band."""
    score = _signal_score(metrics, events)
    ratings = _ratings(feedback)
    rating = ratings[-1] if ratings else None
    if rating == "up":
        return 0.8 + 0.2 * score
    if rating == "down":
        return 0.2 * score
    return score


def _signal_score(m: SessionMetrics, events: Sequence[Event]) -> float:
    termination, confidence, _ = _termination(m)
    score = 0.5 + _ENDINGS[termination] * confidence
    if m.loops.stuck:
        score -= 0.15
    if m.tool_calls:
        score -= 0.2 * m.tool_errors / m.tool_calls
    other_errors = max(0, sum(m.errors_by_type.values()) - m.tool_errors)
    score -= min(0.15, 0.05 * other_errors)
    score -= 0.1 * m.loops.repeat_ratio
    signals = read_signals(events)
    score -= 0.1 * signals.tail_failure_share
    if signals.verified_at_end:
        score += 0.05
    score -= _effort(signals.actions)
    return min(1.0, max(0.0, score))


def _effort(actions: int) -> float:
    """The length penalty: positive past the typical session, negative (a bonus) short of it."""
    doublings = math.log2((1 + actions) / (1 + _TYPICAL_ACTIONS))
    return max(-_EFFORT_CAP, min(_EFFORT_CAP, _EFFORT_PER_DOUBLING * doublings))


def _termination(m: SessionMetrics) -> tuple[Termination, float, str]:
    evidence = m.termination_evidence
    if evidence.termination is not None:
        return evidence.termination, evidence.confidence, "; ".join(evidence.reasons)
    if m.end_reason in _BY_END_REASON:
        reason = f"end reason {m.end_reason}"
        return _BY_END_REASON[m.end_reason], _END_REASON_CONFIDENCE, reason
    return "abandoned", _GUESS_CONFIDENCE, "no completion, error or timeout: most likely left"


def offline_verdict(
    metrics: SessionMetrics,
    feedback: Sequence[str],
    events: Sequence[Event],
    *,
    note: str | None = None,
) -> Verdict:
    """A verdict from deterministic signals only, labelled as the offline judge's.

    ``note`` says why the offline judge answered where an LLM was configured; it comes
    right after the label in the rationale.
    """
    termination, termination_confidence, why = _termination(metrics)
    ratings = _ratings(feedback)
    score = offline_helpfulness_score(metrics, ratings, events)
    helpfulness = _label(score, metrics, ratings)
    # Thumbs are the user's own word; otherwise the further from 0.5, the surer.
    helpfulness_confidence = _FEEDBACK_CONFIDENCE if ratings else 0.3 + abs(score - 0.5)
    lead = f"{PREFIX} {note}; " if note else f"{PREFIX} "
    rationale = (
        f"{lead}termination {termination} ({why[:200] or 'rules'}); helpfulness "
        f"{helpfulness}, score {score:.2f}; feedback: {', '.join(ratings[-5:]) or 'none'}"
    )
    return Verdict(
        termination=termination,
        helpfulness=helpfulness,
        confidence=round((termination_confidence + helpfulness_confidence) / 2, 3),
        user_sentiment=_sentiment(ratings),
        rationale=rationale,
        evidence=[],
    )


def _ratings(feedback: Sequence[str]) -> list[str]:
    return [rating for rating in feedback if rating in ("up", "down")]


def _label(score: float, m: SessionMetrics, feedback: Sequence[str]) -> Helpfulness:
    if not feedback and m.user_turns == 0 and m.steps == 0 and m.tool_calls == 0:
        return "unknown"
    if score >= _HELPFUL:
        return "helpful"
    return "partially_helpful" if score >= _PARTIAL else "unhelpful"


def _sentiment(feedback: Sequence[str]) -> Sentiment:
    if not feedback:
        return "unknown"
    if feedback[-1] == "up":
        return "positive"
    return "frustrated" if feedback.count("down") >= 2 else "negative"
