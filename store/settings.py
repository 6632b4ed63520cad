"""The service's configuration: environment variables prefixed ``SESSION_JUDGE_``.

Read once at start-up (``Settings()``) and passed in; importing this module reads nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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

    # the judge
    llm_base_url: str | None = Field(default=None, description="Unset: the offline judge.")
    llm_api_key: str = "not-needed"
    llm_model: str = "gpt-4.1-mini"
    llm_mode: Literal["tools", "json"] = "tools"
    llm_timeout: float = 60.0
    llm_max_retries: int = Field(default=2, ge=0, description="Re-asks on invalid output.")
    llm_fault_retries: int = Field(default=3, ge=0, description="Retries on HTTP faults.")
    llm_backoff: float = Field(default=0.5, ge=0)
    prompt: str = Field(default="outcome/v1", description="The version new sessions get.")
    prompts_dir: Path = REPO_ROOT / "prompts"
    transcript_token_budget: int = Field(default=12_000, ge=500)
    judge_concurrency: int = Field(default=50, ge=1)

    # cost control
    judge_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    judge_sources: list[str] = Field(default_factory=list, description="Empty: every source.")
    judge_min_events: int = Field(default=0, ge=0)
    daily_token_budget: int | None = Field(default=None, ge=0, description="Per project.")

    # the outbox sweep
    sweep_after_seconds: float = Field(default=120.0, ge=0)
    retry_failed_after_seconds: float = Field(default=900.0, ge=0)
    max_judge_attempts: int = Field(default=5, ge=1)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
