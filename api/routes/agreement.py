"""How well prompt versions agree with human labels, and choosing the version trends use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.agreement import agreement_of, compare_prompts
from api.agreement_schemas import (
    AgreementOut,
    CompareOut,
    CurrentPromptIn,
    CurrentPromptOut,
    PromptChangeOut,
    PromptChangesOut,
)
from api.deps import Admin, Db, Reader, app_state
from api.errors import ERROR_RESPONSES, field_error
from api.params import Text
from api.state import AppState
from store.prompt_changes import list_changes, record_change
from store.prompt_pins import current_prompt

router = APIRouter(prefix="/v1", tags=["agreement"], responses=ERROR_RESPONSES)
State = Annotated[AppState, Depends(app_state)]
MAX_COMPARED = 10


def _known(state: AppState, prompt: str, loc: list[str | int]) -> str:
    try:
        return state.jobs.registry.get(prompt).key
    except KeyError as exc:
        raise field_error(loc, f"unknown prompt version {prompt!r}", "value_error") from exc


@router.get("/agreement")
async def read_agreement(
    db: Db,
    state: State,
    principal: Reader,
    prompt: Annotated[
        Text | None, Query(description="e.g. outcome/v2; default: the current version")
    ] = None,
) -> AgreementOut:
    """The version's current verdicts against human labels (each reviewer's latest label
    is a pair), thumbs as weak labels, and the reviewers' agreement with each other."""
    if prompt is None:
        prompt = await current_prompt(db, principal.project_id, state.settings.prompt)
    _known(state, prompt, ["query", "prompt"])
    return await agreement_of(db, principal.project_id, prompt)


@router.get("/agreement/compare")
async def compare_agreement(
    db: Db,
    state: State,
    principal: Reader,
    prompts: Annotated[Text, Query(description="Comma-separated, e.g. outcome/v1,outcome/v2")],
) -> CompareOut:
    """The versions side by side on the labelled sessions every one of them judged."""
    keys = list(dict.fromkeys(p.strip() for p in prompts.split(",") if p.strip()))
    if not 2 <= len(keys) <= MAX_COMPARED:
        raise field_error(
            ["query", "prompts"], f"give 2 to {MAX_COMPARED} distinct versions", "value_error"
        )
    for key in keys:
        _known(state, key, ["query", "prompts"])
    return await compare_prompts(db, principal.project_id, keys)


@router.post("/prompts/current")
async def set_current_prompt(
    body: CurrentPromptIn, db: Db, state: State, principal: Admin
) -> CurrentPromptOut:
    """Make a version the one trends use by default; the change is recorded."""
    prompt = _known(state, body.prompt, ["body", "prompt"])
    previous = await current_prompt(db, principal.project_id, state.settings.prompt)
    change = None
    if prompt != previous:
        change = await record_change(db, principal.project_id, previous, prompt, principal.key_name)
    return CurrentPromptOut(
        prompt=prompt,
        previous=previous,
        changed=change is not None,
        change=PromptChangeOut.of(change) if change else None,
        agreement=await agreement_of(db, principal.project_id, prompt),
    )


@router.get("/prompts/changes")
async def read_prompt_changes(
    db: Db,
    state: State,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PromptChangesOut:
    """The version trends use now, and who changed it when, newest first."""
    return PromptChangesOut(
        current=await current_prompt(db, principal.project_id, state.settings.prompt),
        items=[
            PromptChangeOut.of(row) for row in await list_changes(db, principal.project_id, limit)
        ],
    )
