"""Reprocessing history with a prompt version, and comparing it with another."""

from __future__ import annotations

import random
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import Admin, Db, Reader, app_state
from api.errors import ERROR_RESPONSES, NotFound, field_error
from api.params import RunIdPath, Text
from api.schemas import Agreement, ComparisonOut, DryRunOut, Flip, RunOut, RunRequest
from api.state import AppState
from rules.stats import accuracy, cohens_kappa, confusion_matrix
from store.comparisons import run_pairs
from store.models import Run
from store.runs import (
    cancel_run,
    count_matching,
    create_run,
    finish_runs,
    get_run,
    matching_sessions,
    run_counts,
    session_filter,
)
from workers.judging import estimate_input_tokens

router = APIRouter(prefix="/v1", tags=["runs"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]
TERMINATIONS = ["completed", "abandoned", "errored", "timed_out"]
HELPFULNESS = ["helpful", "partially_helpful", "unhelpful", "unknown"]
ESTIMATE_SAMPLE = 20


async def _run_or_404(db: Db, project_id: int, run_id: int) -> Run:
    run = await get_run(db, project_id, run_id)
    if run is None:
        raise NotFound(f"no run {run_id} in this project")
    return run


@router.post("/runs", status_code=201, responses={200: {"model": DryRunOut}})
async def start_run(
    body: RunRequest, response: Response, db: Db, state: State, principal: Admin
) -> RunOut | DryRunOut:
    """Judge every matching session with ``prompt``; ``dry_run`` answers the cost first."""
    try:
        prompt = state.jobs.registry.get(body.prompt)
    except KeyError as exc:
        raise field_error(["body", "prompt"], str(exc), "value_error") from exc
    filter_doc = body.filter.model_dump(mode="json", by_alias=True, exclude_none=True)
    if body.dry_run:
        filters = session_filter(filter_doc)
        total = await count_matching(db, principal.project_id, filters)
        pks = list(await db.scalars(matching_sessions(principal.project_id, filters).limit(500)))
        sample = random.Random(0).sample(pks, min(ESTIMATE_SAMPLE, len(pks)))
        mean = await estimate_input_tokens(state.jobs, prompt, sample)
        response.status_code = 200
        return DryRunOut(
            prompt=prompt.key, sessions=total, estimated_input_tokens=mean * total,
            sampled=len(sample),
        )  # fmt: skip
    run = await create_run(
        db, principal.project_id, prompt.key, filter_doc, body.force, principal.key_name
    )
    await db.commit()
    await state.queue.enqueue_run(run.id)
    return RunOut.of(run, await run_counts(db, run.id))


@router.get("/runs/{run_id}")
async def read_run(run_id: RunIdPath, db: Db, principal: Reader) -> RunOut:
    """Progress: total, done, failed, skipped, tokens, cost and status."""
    await finish_runs(db)
    run = await _run_or_404(db, principal.project_id, run_id)
    return RunOut.of(run, await run_counts(db, run.id))


@router.post("/runs/{run_id}/cancel")
async def cancel(run_id: RunIdPath, db: Db, principal: Admin) -> RunOut:
    run = await _run_or_404(db, principal.project_id, run_id)
    await cancel_run(db, run)
    await db.flush()
    return RunOut.of(run, await run_counts(db, run.id))


def _agreement(pairs: list[tuple[str, str]], labels: list[str]) -> Agreement:
    matrix = confusion_matrix(pairs, labels)
    return Agreement(
        labels=labels, matrix=matrix, agreement=accuracy(matrix), kappa=cohens_kappa(matrix)
    )


@router.get("/runs/{run_id}/comparison")
async def compare(run_id: RunIdPath, baseline: Text, db: Db, principal: Reader) -> ComparisonOut:
    """Confusion matrices, agreement and Cohen's kappa of the run against ``baseline``,
    on the sessions both judged, and the sessions that flipped."""
    run = await _run_or_404(db, principal.project_id, run_id)
    pairs = await run_pairs(db, principal.project_id, run.id, baseline)
    return ComparisonOut(
        run_id=run.id,
        prompt=run.prompt,
        baseline=baseline,
        sessions=len(pairs),
        termination=_agreement([(p.baseline[0], p.candidate[0]) for p in pairs], TERMINATIONS),
        helpfulness=_agreement([(p.baseline[1], p.candidate[1]) for p in pairs], HELPFULNESS),
        flipped=[
            Flip(
                session_id=p.session_id,
                baseline={"termination": p.baseline[0], "helpfulness": p.baseline[1]},
                candidate={"termination": p.candidate[0], "helpfulness": p.candidate[1]},
            )
            for p in pairs
            if p.baseline != p.candidate
        ],
    )
