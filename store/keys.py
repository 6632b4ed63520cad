"""Projects and API keys. Keys are random, shown once, and stored as SHA-256 hashes
(high-entropy secrets need no slow hash; a lookup is one indexed equality)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import ApiKey, Project

SCOPES = ("ingest", "read", "review", "admin")
KEY_PREFIX = "sj_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's project, name and scopes."""

    project_id: int
    key_name: str
    scopes: frozenset[str]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def ensure_project(db: DbSession, name: str) -> Project:
    project = await db.scalar(select(Project).where(Project.name == name))
    if project is None:
        project = Project(name=name, created_at=datetime.now(UTC))
        db.add(project)
        await db.flush()
    return project


async def create_key(db: DbSession, project_name: str, name: str, scopes: list[str]) -> str:
    """Create a key for the project (created if new); answer the secret, shown only once."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {list(SCOPES)}")
    project = await ensure_project(db, project_name)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    db.add(
        ApiKey(
            project_id=project.id,
            name=name,
            key_hash=hash_key(secret),
            prefix=secret[:10],
            scopes=sorted(set(scopes)),
            created_at=datetime.now(UTC),
        )
    )
    await db.flush()
    return secret


async def authenticate(db: DbSession, secret: str) -> Principal | None:
    row = await db.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None))
    )
    if row is None:
        return None
    return Principal(row.project_id, row.name, frozenset(row.scopes))
