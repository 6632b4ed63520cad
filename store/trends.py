"""The outcome trend: per time bucket and group, the sessions, the current verdicts of one
prompt version, and the users' thumbs (every rating of the session, as counted on its row
by store/feedback.py), read as store/trend_reads.py says.

Counts only; rates and shares are derived by the API schemas. Every bucket of the range is
answered for every group seen in it, empty ones with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.analytics import Grid, tune
from store.trend_query import TrendQuery
from store.trend_reads import part_statement, sources
from store.trend_rollup_parts import HELPFULNESS, SESSIONS, TERMINATIONS, VERDICTS


@dataclass(frozen=True, slots=True)
class OutcomeCounts:
    sessions: int = 0
    judged: int = 0
    termination: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TERMINATIONS, 0))
    helpfulness: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HELPFULNESS, 0))
    mean_confidence: float | None = None
    feedback: int = 0
    thumbs_up: int = 0
    judged_feedback: int = 0
    """Ratings of sessions that have a verdict: the base of the disagreement rate."""
    down_on_positive: int = 0
    """Thumbs down on sessions judged helpful or completed."""
    up_on_negative: int = 0
    """Thumbs up on sessions judged unhelpful or abandoned."""


def _counts(sessions: dict[str, Any], verdicts: dict[str, Any] | None) -> OutcomeCounts:
    v = verdicts or dict.fromkeys(VERDICTS.values, 0)
    return OutcomeCounts(
        sessions=sessions["sessions"],
        judged=v["judged"],
        termination={t: v[f"term_{t}"] for t in TERMINATIONS},
        helpfulness={h: v[f"help_{h}"] for h in HELPFULNESS},
        mean_confidence=v["confidence_sum"] / v["confidence_n"] if v["confidence_n"] else None,
        feedback=sessions["feedback"],
        thumbs_up=sessions["feedback_up"],
        judged_feedback=v["judged_feedback"],
        down_on_positive=v["down_on_positive"],
        up_on_negative=v["up_on_negative"],
    )


async def outcome_trend(db: DbSession, query: TrendQuery, prompt: str) -> Grid[OutcomeCounts]:
    """Sessions, verdicts of ``prompt`` and thumbs per (bucket index, group)."""
    await tune(db)
    split = await sources(db, query)
    found: dict[str, dict[Any, dict[str, Any]]] = {}
    for part, fixed in ((SESSIONS, None), (VERDICTS, {"prompt": prompt})):
        rows = await db.execute(part_statement(db, query, [part], split, fixed))
        found[part.kind] = {
            query.key(r): dict(zip(part.values, r[query.keys :], strict=True)) for r in rows
        }
    verdicts = found[VERDICTS.kind]
    cells = {key: _counts(s, verdicts.get(key)) for key, s in found[SESSIONS.kind].items()}
    return query.fill(cells, OutcomeCounts)
