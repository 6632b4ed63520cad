"""Agreement of prompt versions with human labels, and of reviewers with each other.

Pairing: each reviewer's latest label of a session is one (human, judge) pair, so a
session two reviewers labelled counts twice; ``labelled_sessions`` counts it once. A
label that leaves an axis out adds no pair on that axis.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import get_args

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.agreement_schemas import (
    AgreementOut,
    AxisOut,
    CompareOut,
    PromptFigures,
    RateOut,
    ReviewerPairOut,
    ThumbsOut,
)
from judge import Helpfulness
from rules import Termination
from rules.agreement import Classes, Pair, axis_agreement, between_reviewers, rate
from store.agreement import labelled_verdicts, thumbs_by_helpfulness
from store.labels import latest_labels
from store.models import Label

TERMINATIONS: list[str] = list(get_args(Termination))
HELPFULNESS: list[str] = list(get_args(Helpfulness))


def _figures(
    prompt: str, labels: Iterable[Label], verdicts: dict[int, tuple[str, str]]
) -> PromptFigures:
    termination: list[Pair] = []
    helpfulness: list[Pair] = []
    for label in labels:
        verdict = verdicts.get(label.session_pk)
        if verdict is None:
            continue
        if label.termination is not None:
            termination.append((label.termination, verdict[0]))
        if label.helpfulness is not None:
            helpfulness.append((label.helpfulness, verdict[1]))
    return PromptFigures(
        prompt=prompt,
        termination=AxisOut.model_validate(axis_agreement(termination, TERMINATIONS)),
        helpfulness=AxisOut.model_validate(axis_agreement(helpfulness, HELPFULNESS)),
    )


def _by_reviewer(labels: Iterable[Label]) -> dict[str, dict[int, Classes]]:
    found: dict[str, dict[int, Classes]] = {}
    for label in labels:
        found.setdefault(label.reviewer, {})[label.session_pk] = (
            label.termination,
            label.helpfulness,
        )
    return found


async def _thumbs(db: DbSession, project_id: int, prompt: str) -> ThumbsOut:
    counts = await thumbs_by_helpfulness(db, project_id, prompt)
    helpful, unhelpful = counts.get("helpful"), counts.get("unhelpful")
    return ThumbsOut(
        down_when_judged_helpful=RateOut.model_validate(
            rate(helpful.down, helpful.with_thumbs) if helpful else rate(0, 0)
        ),
        up_when_judged_unhelpful=RateOut.model_validate(
            rate(unhelpful.up, unhelpful.with_thumbs) if unhelpful else rate(0, 0)
        ),
        sessions_with_thumbs=sum(c.with_thumbs for c in counts.values()),
    )


async def agreement_of(db: DbSession, project_id: int, prompt: str) -> AgreementOut:
    """The prompt version's current verdicts against the reviewers' latest labels."""
    labels = await latest_labels(db, project_id)
    verdicts = (await labelled_verdicts(db, project_id, [prompt]))[prompt]
    figures = _figures(prompt, labels, verdicts)
    pairs = between_reviewers(_by_reviewer(labels), TERMINATIONS, HELPFULNESS)
    return AgreementOut(
        prompt=prompt,
        labelled_sessions=len({label.session_pk for label in labels} & verdicts.keys()),
        termination=figures.termination,
        helpfulness=figures.helpfulness,
        thumbs=await _thumbs(db, project_id, prompt),
        reviewers=[ReviewerPairOut.model_validate(pair) for pair in pairs],
    )


async def compare_prompts(db: DbSession, project_id: int, prompts: Collection[str]) -> CompareOut:
    """The versions side by side on the labelled sessions every one of them judged."""
    labels = await latest_labels(db, project_id)
    verdicts = await labelled_verdicts(db, project_id, list(prompts))
    shared = set.intersection({label.session_pk for label in labels}, *map(set, verdicts.values()))
    on_shared = [label for label in labels if label.session_pk in shared]
    return CompareOut(
        prompts=list(prompts),
        sessions=len(shared),
        items=[_figures(prompt, on_shared, verdicts[prompt]) for prompt in prompts],
    )
