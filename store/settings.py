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
    judge_skip_certain: bool = Field(
        default=False,
        description=(
            "Where the rules are certain of the termination (rules.evidence), the offline "
            "judge answers instead of the LLM; reprocessing runs always ask the LLM."
        ),
    )
    judge_skip_min_confidence: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="…at this confidence or more (0.95: completions the end reason confirms).",
    )

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

    # review
    review_low_confidence: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Verdicts below it are queued for review."
    )

    # open sessions
    open_session_idle_seconds: float = Field(
        default=1800.0, gt=0, description="An open session idle this long is closed (timeout)."
    )
    otlp_concurrency: int = Field(default=4, ge=1, description="OTLP requests processed at once.")
    otlp_queue: int = Field(default=32, ge=0, description="OTLP requests waiting; more get 503.")
    otlp_retry_after_seconds: int = Field(default=1, ge=1, description="Retry-After when busy.")

    # trends
    trends_max_buckets: int = Field(
        default=2000, ge=1, description="Buckets one trend or dashboard request may span."
    )
    degradation_min_samples: int = Field(
        default=20, ge=1, description="Observations each side needs before a shift counts."
    )
    degradation_p_value: float = Field(
        default=0.01, gt=0, lt=1, description="Two-proportion z-test significance level."
    )
    degradation_latency_change: float = Field(
        default=0.5, gt=0, description="Relative p90 latency change that counts as moved."
    )
    degradation_baseline_days: int = Field(
        default=7, ge=1, le=28, description="Days of baseline at the same hours."
    )
    llm_rollup_interval_seconds: float = Field(
        default=60.0, gt=0, description="In-process mode: how often calls are rolled up."
    )
    llm_rollup_batch: int = Field(
        default=2000, ge=1, le=10_000, description="Sessions rolled up per transaction."
    )
    trend_rollup_interval_seconds: float = Field(
        default=60.0, gt=0, description="In-process mode: how often trend rollups catch up."
    )

    # alerts
    slo_file: Path = Field(
        default=REPO_ROOT / "deploy" / "slo.yaml", description="SLOs and alert rules (YAML)."
    )
    alert_webhooks: list[str] = Field(
        default_factory=list, description="URLs that get each alert event as JSON."
    )
    alert_slack_webhooks: list[str] = Field(
        default_factory=list, description="Slack incoming-webhook URLs."
    )
    alert_interval_seconds: float = Field(
        default=60.0, gt=0, description="In-process mode: how often alerts are evaluated."
    )
    alert_delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    alert_delivery_max_attempts: int = Field(default=8, ge=1, description="Then: failed.")
    alert_delivery_backoff_seconds: float = Field(
        default=30.0, ge=0, description="Wait after the first failed attempt; doubles each time."
    )
    alert_delivery_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="arq workers serve /metrics on this port."
    )
