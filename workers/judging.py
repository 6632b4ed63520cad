"""The judge job: one session, one prompt version, one verdict (or a stated reason why not).

The LLM call happens outside any transaction: the job reads what it needs, lets the
connection go, asks the judge, and writes the outcome in a second short transaction.

With ``judge_skip_certain`` on, a session whose termination the rules are certain of
(``rules.evidence.certain_termination``) gets the offline judge's verdict instead of an
LLM call: labelled ``offline`` like every verdict written without an LLM, its rationale
saying why, no tokens, no cost. Reprocessing runs always ask the LLM: comparing prompt
versions is what they are for.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, select, update

from judge import (
    JudgeFailed,
    Prompt,
    RenderedTranscript,
    count_tokens,
    estimate_cost,
    offline_verdict,
    render_transcript,
)
from rules import Session, SessionMetrics, TerminationEvidence
from rules.evidence import certain_termination
from store.models import Run, RunItem, SessionEvents, SessionRow
from store.prompt_pins import mark_used
from store.verdicts import (
    dedupe_key,
    insert_verdict,
    judged_inputs,
    start_of_day,
    tokens_used_since,
)
from workers.context import OFFLINE_MODEL, JobContext
from workers.metrics import record_judgement, record_llm_skipped

log = logging.getLogger(__name__)
# Core tables for record_outcome's updates: an ORM-entity update would also evaluate the
# session's identity map, for nothing.
_SESSIONS = cast(Table, SessionRow.__table__)
_RUN_ITEMS = cast(Table, RunItem.__table__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a judgement ended: ``judged``, ``skipped`` or ``failed``, and why."""

    status: str
    reason: str | None = None
    values: dict[str, Any] | None = None
    llm_skipped: str | None = None
    """Why the offline judge answered although an LLM is configured."""


@dataclass(frozen=True, slots=True)
class JobInput:
    row: SessionRow
    session: Session
    metrics: SessionMetrics
    run_status: str | None
    run_force: bool
    tokens_today: int
    judged_inputs: frozenset[str]
    """Input hashes this prompt and model already judged for the session."""


def sampled_in(session_id: str, rate: float) -> bool:
    """Deterministic sampling: the same session is always in or always out."""
    if rate >= 1.0:
        return True
    bucket = int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:8], "big")
    return bucket / 2**64 < rate


def _selection_reason(ctx: JobContext, row: SessionRow) -> str | None:
    s = ctx.settings
    if s.judge_sources and row.source not in s.judge_sources:
        return f"filtered: source {row.source!r} not judged"
    if row.event_count < s.judge_min_events:
        return f"filtered: fewer than {s.judge_min_events} events"
    if not sampled_in(row.session_id, s.judge_sample_rate):
        return "sampled_out"
    return None


async def load_job_input(
    ctx: JobContext, session_pk: int, run_id: int | None, prompt_key: str = ""
) -> JobInput | None:
    """Everything the job reads, in one short transaction."""
    async with ctx.sessions() as db:
        row = await db.get(SessionRow, session_pk)
        if row is None:
            return None
        events = await db.scalar(
            select(SessionEvents.events).where(SessionEvents.session_pk == session_pk)
        )
        run = await db.get(Run, run_id) if run_id else None
        budget = ctx.settings.daily_token_budget
        used = 0
        if budget is not None:
            used = await tokens_used_since(db, row.project_id, start_of_day(datetime.now(UTC)))
        judged = await judged_inputs(db, session_pk, prompt_key, ctx.judge_model)
    header = {
        "session_id": row.session_id,
        "source": row.source,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "end_reason": row.end_reason,
        "events": events or [],
    }
    return JobInput(
        row,
        Session.model_validate(header),
        SessionMetrics.model_validate(row.metrics),
        run.status if run else None,
        bool(run and run.force),
        used,
        judged,
    )


def _input_hash(model: str, messages: list[dict[str, str]]) -> str:
    return hashlib.sha256(orjson.dumps([model, messages])).hexdigest()


@dataclass(frozen=True, slots=True)
class JudgeInput:
    """Exactly what the judge is shown: the rendered transcript and the chat messages."""

    rendered: RenderedTranscript
    metrics: dict[str, Any]
    messages: list[dict[str, str]]

    @property
    def tokens(self) -> int:
        return sum(count_tokens(m["content"]) for m in self.messages)


def judge_input(
    ctx: JobContext, prompt: Prompt, session: Session, metrics: SessionMetrics
) -> JudgeInput:
    rendered = render_transcript(
        session, metrics, token_budget=ctx.settings.transcript_token_budget
    )
    dumped = metrics.model_dump(mode="json")
    messages = prompt.render(rendered.text, dumped, dumped["termination_evidence"])
    return JudgeInput(rendered, dumped, messages)


async def estimate_input_tokens(ctx: JobContext, prompt: Prompt, session_pks: list[int]) -> int:
    """Mean input tokens of the given sessions (a sample), as the judge would see them."""
    tokens = []
    for pk in session_pks:
        loaded = await load_job_input(ctx, pk, None)
        if loaded is not None:
            tokens.append(judge_input(ctx, prompt, loaded.session, loaded.metrics).tokens)
    return round(sum(tokens) / len(tokens)) if tokens else 0


_NO_USAGE: dict[str, Any] = {
    "input_tokens": 0,
    "output_tokens": 0,
    "attempts": 0,
    "cost_usd": 0.0,
    "latency_ms": 0.0,
    "raw": None,
}


def _certain_evidence(
    ctx: JobContext, loaded: JobInput, run_id: int | None
) -> TerminationEvidence | None:
    """The rules' evidence, when the operator lets it stand in for the LLM."""
    s = ctx.settings
    if not s.judge_skip_certain or ctx.llm is None or run_id is not None:
        return None
    evidence = certain_termination(loaded.session)
    if evidence is None or evidence.confidence < s.judge_skip_min_confidence:
        return None
    return evidence


def _offline_values(
    metrics: SessionMetrics, session: Session, note: str | None = None
) -> dict[str, Any]:
    ratings = [e.rating for e in session.events if e.type == "feedback" and e.rating]
    verdict = offline_verdict(metrics, ratings, session.events, note=note)
    return _NO_USAGE | verdict.model_dump(mode="json")


async def _judge(
    ctx: JobContext,
    prompt: Prompt,
    loaded: JobInput,
    run_id: int | None,
    certain: TerminationEvidence | None,
) -> Outcome:
    """A verdict from the LLM, or from the offline judge when there is none or ``certain``."""
    shown = judge_input(ctx, prompt, loaded.session, loaded.metrics)
    rendered, evidence = shown.rendered, shown.metrics["termination_evidence"]
    model = ctx.judge_model if certain is None else OFFLINE_MODEL
    input_hash = _input_hash(model, shown.messages)
    base = {
        "project_id": loaded.row.project_id,
        "session_pk": loaded.row.pk,
        "prompt": prompt.key,
        "prompt_hash": prompt.content_hash,
        "judge_model": model,
        "input_hash": input_hash,
        "run_id": run_id,
        "dedupe_key": dedupe_key(loaded.row.pk, prompt.key, model, input_hash, run_id),
    }
    if not loaded.run_force and input_hash in loaded.judged_inputs:
        return Outcome("judged", "same input already judged; no new call")
    if certain is not None:
        note = (
            f"LLM skipped, the rules are certain the session {certain.termination} "
            f"(confidence {certain.confidence:.2f})"
        )
        metrics = loaded.metrics.model_copy(update={"termination_evidence": certain})
        values = base | _offline_values(metrics, loaded.session, note)
        return Outcome("judged", note, values, llm_skipped="certain_termination")
    if ctx.llm is None:
        return Outcome("judged", None, base | _offline_values(loaded.metrics, loaded.session))
    try:
        result = await ctx.llm.judge(prompt, rendered, loaded.metrics, evidence)
    except JudgeFailed as exc:
        return Outcome("failed", f"{exc.reason} (after {exc.attempts} attempts)")
    usage = {
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": estimate_cost(ctx.judge_model, result.input_tokens, result.output_tokens),
        "latency_ms": result.latency_ms,
        "attempts": result.attempts,
        "raw": result.raw,
    }
    return Outcome("judged", None, base | usage | result.verdict.model_dump(mode="json"))


async def judge_session(
    ctx: JobContext, session_pk: int, prompt_key: str, run_id: int | None = None
) -> str:
    """Judge one session with one prompt version; idempotent, safe to run twice."""
    started = time.perf_counter()
    loaded = await load_job_input(ctx, session_pk, run_id, prompt_key)
    if loaded is None:
        record_judgement("gone", None, None)
        return "gone"
    if run_id is None and loaded.row.judge_status == "judged":
        record_judgement("already_judged", None, None)
        return "already judged"  # a duplicate or retried job: nothing to do
    outcome = await _decide(ctx, loaded, prompt_key, run_id)
    await record_outcome(ctx, loaded.row, prompt_key, run_id, outcome)
    record_judgement(outcome.status, time.perf_counter() - started, outcome.values)
    if outcome.llm_skipped:
        record_llm_skipped(outcome.llm_skipped)
    return outcome.status if outcome.reason is None else f"{outcome.status}: {outcome.reason}"


async def _decide(
    ctx: JobContext, loaded: JobInput, prompt_key: str, run_id: int | None
) -> Outcome:
    if run_id is not None and loaded.run_status in {"cancelled", "done", "failed"}:
        return Outcome("skipped", f"run {loaded.run_status}")
    if run_id is None and (reason := _selection_reason(ctx, loaded.row)):
        return Outcome("skipped", reason)
    certain = _certain_evidence(ctx, loaded, run_id)
    budget = ctx.settings.daily_token_budget
    # A judgement without the LLM costs no tokens: the budget does not hold it back.
    if budget is not None and loaded.tokens_today >= budget and certain is None:
        return Outcome("skipped", "over_budget")
    try:
        prompt = ctx.registry.get(prompt_key)
    except KeyError as exc:
        return Outcome("failed", str(exc))
    return await _judge(ctx, prompt, loaded, run_id, certain)


async def record_outcome(
    ctx: JobContext, row: SessionRow, prompt_key: str, run_id: int | None, outcome: Outcome
) -> None:
    now = datetime.now(UTC)
    async with ctx.sessions() as db:
        if outcome.values is not None:
            await insert_verdict(db, outcome.values | {"created_at": now})
            if prompt_key not in ctx.marked_used:
                await mark_used(db, prompt_key)
                ctx.marked_used.add(prompt_key)
        usage = outcome.values or {}
        if run_id is not None:
            await db.execute(
                update(_RUN_ITEMS)
                .where(_RUN_ITEMS.c.run_id == run_id, _RUN_ITEMS.c.session_pk == row.pk)
                .values(
                    status="done" if outcome.status == "judged" else outcome.status,
                    reason=outcome.reason,
                    input_tokens=usage.get("input_tokens", 0),
                    output_tokens=usage.get("output_tokens", 0),
                    cost_usd=usage.get("cost_usd", 0.0),
                    updated_at=now,
                )
            )
        else:
            failed = outcome.status == "failed"
            await db.execute(
                update(_SESSIONS)
                .where(_SESSIONS.c.pk == row.pk)
                .values(
                    judge_status=outcome.status,
                    judge_reason=outcome.reason,
                    judge_attempts=_SESSIONS.c.judge_attempts + (1 if failed else 0),
                    status_changed_at=now,
                )
            )
        await db.commit()
    if outcome.status == "failed":
        log.warning("judging session %s with %s failed: %s", row.pk, prompt_key, outcome.reason)
