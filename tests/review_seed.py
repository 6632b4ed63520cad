"""Hand-made review data: sessions with the verdicts and thumbs a test asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.keys import authenticate
from store.models import CurrentVerdict, Feedback, Project, SessionRow
from store.verdicts import insert_verdict
from tests.conftest import Api
from tests.sessions import session_doc

Judged = tuple[str, str, float]
"""A hand-made verdict: (termination, helpfulness, confidence)."""


async def project_of(api: Api, key: str) -> int:
    async with api.state.sessions() as db:
        principal = await authenticate(db, key)
    assert principal is not None
    return principal.project_id


async def project_name(api: Api, key: str) -> str:
    """The name of the key's project, for minting more keys in it."""
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        name = await db.scalar(select(Project.name).where(Project.id == project_id))
    assert name is not None
    return name


def _verdict(
    pk: int, project_id: int, prompt: str, judged: Judged, evidence: list[int]
) -> dict[str, Any]:
    termination, helpfulness, confidence = judged
    return {
        "project_id": project_id, "session_pk": pk, "prompt": prompt, "prompt_hash": "h",
        "judge_model": "hand", "input_hash": f"{prompt}:{judged}", "run_id": None,
        "dedupe_key": f"{pk}:{prompt}:{judged}", "termination": termination,
        "helpfulness": helpfulness, "confidence": confidence, "user_sentiment": "neutral",
        "rationale": f"hand-made {termination}/{helpfulness}", "evidence": evidence,
        "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "latency_ms": 0.0,
        "attempts": 1, "raw": None, "created_at": datetime.now(UTC),
    }  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    """A session to ingest, the verdicts (prompt -> judged) that replace the offline
    judge's, and its thumbs (one user each)."""

    session_id: str
    verdicts: dict[str, Judged]
    thumbs: tuple[str, ...] = ()
    evidence: tuple[int, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)


async def seed_many(api: Api, key: str, specs: list[Seeded]) -> None:
    body = {"sessions": [session_doc(s.session_id, **s.fields) for s in specs]}
    r = await api.client.post("/v1/sessions:batch", json=body, headers=api.auth(key))
    assert r.json()["created"] == len(specs), r.text
    await api.settle()
    project_id = await project_of(api, key)
    async with api.state.sessions() as db:
        pks = dict(
            (await db.execute(
                select(SessionRow.session_id, SessionRow.pk).where(
                    SessionRow.project_id == project_id,
                    SessionRow.session_id.in_([s.session_id for s in specs]),
                )
            )).all()
        )  # fmt: skip
        for spec in specs:
            await _replace(db, project_id, pks[spec.session_id], spec)
        await db.commit()


async def _replace(db: DbSession, project_id: int, pk: int, spec: Seeded) -> None:
    now = datetime.now(UTC)
    await db.execute(delete(CurrentVerdict).where(CurrentVerdict.session_pk == pk))
    for prompt, judged in spec.verdicts.items():
        await insert_verdict(db, _verdict(pk, project_id, prompt, judged, list(spec.evidence)))
    for i, rating in enumerate(spec.thumbs):
        db.add(Feedback(
            project_id=project_id, session_id=spec.session_id, user_key=f"user-{i}",
            rating=rating, comment=None, ts=now, origin="api", created_at=now,
        ))  # fmt: skip


async def seed(
    api: Api,
    key: str,
    session_id: str,
    verdicts: dict[str, Judged],
    thumbs: tuple[str, ...] = (),
    evidence: tuple[int, ...] = (),
    **fields: Any,
) -> None:
    """One session; see ``Seeded``."""
    await seed_many(api, key, [Seeded(session_id, verdicts, thumbs, evidence, fields)])
