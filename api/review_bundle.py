"""One session as a reviewer (and the labels export) sees it: the transcript exactly as
the judge was shown it, the current verdicts, the users' feedback and the labels."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.review_schemas import FeedbackOut, LabelOut, SessionBundle, TranscriptOut
from api.schemas import SessionOut, VerdictOut
from api.state import AppState
from store.labels import label_history, latest_per_reviewer
from store.models import SessionRow
from store.review_item import current_verdicts, session_feedback
from workers.judging import judge_input, load_job_input


async def judged_transcript(state: AppState, session_pk: int, prompt_key: str) -> TranscriptOut:
    """Rendered as the judge job renders it, with the prompt version ``prompt_key``."""
    loaded = await load_job_input(state.jobs, session_pk, None)
    if loaded is None:
        return TranscriptOut(prompt=prompt_key, text="", event_indices=[], tokens=0)
    prompt = state.jobs.registry.get(prompt_key)
    rendered = judge_input(state.jobs, prompt, loaded.session, loaded.metrics).rendered
    return TranscriptOut(
        prompt=prompt_key,
        text=rendered.text,
        event_indices=sorted(rendered.event_indices),
        tokens=rendered.tokens,
    )


async def session_bundle(
    db: DbSession, state: AppState, row: SessionRow, prompt_key: str
) -> SessionBundle:
    history = await label_history(db, row.project_id, row.pk)
    verdicts = await current_verdicts(db, row.project_id, row.pk)
    feedback = await session_feedback(db, row.project_id, row.session_id)
    return SessionBundle(
        session=SessionOut.of(row),
        transcript=await judged_transcript(state, row.pk, prompt_key),
        verdicts=[VerdictOut.of(verdict, row.session_id) for verdict in verdicts],
        feedback=[FeedbackOut.of(item) for item in feedback],
        labels=[LabelOut.of(label, row.session_id) for label in latest_per_reviewer(history)],
        label_history=[LabelOut.of(label, row.session_id) for label in history],
    )
