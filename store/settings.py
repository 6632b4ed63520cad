"""The service's configuration: environment variables prefixed ``SESSION_JUDGE_``.

Read once at start-up (``Settings()``) and passed in; importing this module reads nothing.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SESSION_JUDGE_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./session-judge.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    )
    redis_url: str | None = Field(default=None, description="Unset: jobs run in-process.")
    db_pool_size: int = 10

    # ingestion limits
    max_events: int = Field(default=20_000, ge=1)
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_string_chars: int = Field(default=65_536, ge=64)
    max_nesting: int = Field(default=32, ge=2)
    max_batch: int = Field(default=500, ge=1)
    max_batch_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    # loop thresholds (see rules.schemas.LoopThresholds)
    stuck_identical_streak: int = 3
    stuck_identical_failing: int = 2
    stuck_oscillation: int = 6
