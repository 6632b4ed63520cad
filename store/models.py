"""SQLAlchemy 2.0 models. Every table carries ``project_id``; every query scopes by it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, BigId, UtcDateTime

# The sessions columns trends, dashboards and degradations read (see store/trends.py).
TREND_COLUMNS = [
    "model", "provider", "source", "client_version", "mode", "end_reason",
    "stuck", "duration_ms", "ttfr_ms", "user_turns", "tool_calls", "tool_errors",
    "condense_count", "tokens_total", "cost_usd", "feedback_count", "feedback_up",
]  # fmt: skip
# What outcome trends read of the current verdicts of a time range (index-only).
VERDICT_COLUMNS = ["session_pk", "termination", "helpfulness", "confidence"]

# Queryable documents are JSONB on Postgres; the bulky event list stays plain JSON,
# which Postgres stores without re-parsing (faster ingest).
Doc = JSON().with_variant(JSONB(), "postgresql")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("project_id", "session_id"),
        # On Postgres it carries what trends read, so they scan it alone (index-only).
        Index(
            "ix_sessions_project_occurred",
            "project_id",
            "occurred_at",
            "pk",
            postgresql_include=TREND_COLUMNS,
        ),
        Index("ix_sessions_judge_status", "judge_status", "status_changed_at"),
        # the sessions whose llm_calls the rollup job has still to fold in (store/llm_rollup.py)
        Index(
            "ix_sessions_unrolled",
            "project_id",
            "pk",
            postgresql_where=text("NOT rolled_up"),
            sqlite_where=text("NOT rolled_up"),
        ),
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_id: Mapped[str] = mapped_column(String(256))
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(128))
    client_version: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(256))
    mode: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(256))
    provider: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]] = mapped_column(Doc)
    event_count: Mapped[int] = mapped_column(Integer)
    stuck: Mapped[bool] = mapped_column(Boolean)
    metrics: Mapped[dict[str, Any]] = mapped_column(Doc)
    # copies of the metrics that trends aggregate, as plain columns (fast to scan)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    ttfr_ms: Mapped[float | None] = mapped_column(Float)
    user_turns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tool_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tool_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    llm_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    llm_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    condense_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tokens_total: Mapped[int] = mapped_column(BigId, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # the users' thumbs of this session (feedback rows with its session id), kept by
    # store/feedback.py on every feedback and session write, so trends read no feedback
    feedback_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    feedback_up: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    judge_status: Mapped[str] = mapped_column(String(16))
    judge_reason: Mapped[str | None] = mapped_column(Text)
    judge_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rolled_up: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), doc="Its llm_calls are in the rollups."
    )


class SessionEvents(Base):
    """The stored events of one session, in order, as one document."""

    __tablename__ = "session_events"

    session_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    events: Mapped[list[Any]] = mapped_column(JSON)


class LlmCall(Base):
    """One row per ``llm_call`` event, for the LLM dashboards and burn-rate alerts."""

    __tablename__ = "llm_calls"
    __table_args__ = (
        Index("ix_llm_calls_project_ts", "project_id", "ts"),
        Index("ix_llm_calls_group_ts", "project_id", "provider", "model", "tool", "ts"),
        # failed calls, for the dashboard's errors by type
        Index(
            "ix_llm_calls_failed",
            "project_id",
            "ts",
            postgresql_include=["provider", "model", "tool", "error_type"],
            postgresql_where=text("NOT ok"),
            sqlite_where=text("NOT ok"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("sessions.pk", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(256))
    tool: Mapped[str | None] = mapped_column(String(128))
    gateway: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean)
    error_type: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(BigId)
    output_tokens: Mapped[int] = mapped_column(BigId)
    cache_read_tokens: Mapped[int] = mapped_column(BigId)
    cost_usd: Mapped[float] = mapped_column(Float)


class PromptVersion(Base):
    """A prompt version seen by this deployment, pinned by its content hash.

    Prompts are files of the deployment, not of a project, so this table has no
    ``project_id``.
    """

    __tablename__ = "prompt_versions"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VerdictRow(Base):
    """One judgement, append-only. "Current" is the newest per session and prompt."""

    __tablename__ = "verdicts"
    __table_args__ = (
        Index("ix_verdicts_session_prompt", "session_pk", "prompt", "created_at"),
        Index("ix_verdicts_project_created", "project_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_pk: Mapped[int] = mapped_column(BigId, ForeignKey("sessions.pk", ondelete="CASCADE"))
    prompt: Mapped[str] = mapped_column(String(128))
    prompt_hash: Mapped[str] = mapped_column(String(64))
    judge_model: Mapped[str] = mapped_column(String(256))
    input_hash: Mapped[str] = mapped_column(String(64))
    # Same session, prompt, model, input and run: one verdict, however many workers race.
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    termination: Mapped[str] = mapped_column(String(16))
    helpfulness: Mapped[str] = mapped_column(String(24))
    confidence: Mapped[float] = mapped_column(Float)
    user_sentiment: Mapped[str] = mapped_column(String(16))
    rationale: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[int]] = mapped_column(JSON)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    raw: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Run(Base):
    """A reprocessing run: judge every matching session with one prompt version."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    prompt: Mapped[str] = mapped_column(String(128))
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    force: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RunItem(Base):
    """One session of a run and how it went; a run's counts are derived from these."""

    __tablename__ = "run_items"
    __table_args__ = (Index("ix_run_items_status", "status", "updated_at"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    session_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CurrentVerdict(Base):
    """The newest verdict per session and prompt version, kept up to date on every insert
    so trends join one row per session instead of ranking the verdict history."""

    __tablename__ = "current_verdicts"
    __table_args__ = (
        Index(
            "ix_current_verdicts_prompt_occurred",
            "project_id",
            "prompt",
            "occurred_at",
            postgresql_include=VERDICT_COLUMNS,
        ),
    )

    session_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    prompt: Mapped[str] = mapped_column(String(128), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    verdict_id: Mapped[int] = mapped_column(BigId, ForeignKey("verdicts.id", ondelete="CASCADE"))
    termination: Mapped[str] = mapped_column(String(16))
    helpfulness: Mapped[str] = mapped_column(String(24))
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    occurred_at: Mapped[datetime | None] = mapped_column(
        UtcDateTime, doc="The session's, copied on every verdict and session write."
    )


class Feedback(Base):
    """Explicit thumbs: one row per user and session, the latest click wins. Keyed by the
    client's session id, so feedback may arrive before its session does."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("project_id", "session_id", "user_key"),
        # trends read the thumbs of a time range
        Index(
            "ix_feedback_project_ts",
            "project_id",
            "ts",
            postgresql_include=["session_id", "rating"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_id: Mapped[str] = mapped_column(String(256))
    user_key: Mapped[str] = mapped_column(String(256), doc="The user id, or '' when anonymous.")
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    origin: Mapped[str] = mapped_column(String(16), doc="api | event")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Label(Base):
    """A reviewer's label of a session, append-only; the latest per reviewer counts."""

    __tablename__ = "labels"
    __table_args__ = (Index("ix_labels_project_session", "project_id", "session_pk", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_pk: Mapped[int] = mapped_column(BigId, ForeignKey("sessions.pk", ondelete="CASCADE"))
    verdict_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("verdicts.id"))
    reviewer: Mapped[str] = mapped_column(String(128))
    termination: Mapped[str | None] = mapped_column(String(16))
    helpfulness: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PromptChange(Base):
    """Which prompt version a project's trends use by default, and who changed it when."""

    __tablename__ = "prompt_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    from_prompt: Mapped[str | None] = mapped_column(String(128))
    to_prompt: Mapped[str] = mapped_column(String(128))
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Alert(Base):
    """A burn-rate alert of one objective and group; ``active_key`` is set while firing,
    so one group never has two firing alerts, however many evaluators race."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_project_fired", "project_id", "fired_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    objective: Mapped[str] = mapped_column(String(128))
    provider: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(256))
    tool: Mapped[str | None] = mapped_column(String(128))
    gateway: Mapped[bool | None] = mapped_column(Boolean, doc="None: a tool-level group.")
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    burn_rates: Mapped[dict[str, Any]] = mapped_column(JSON)
    budget_remaining: Mapped[float] = mapped_column(Float)
    active_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    evaluated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertDelivery(Base):
    """The outbox of webhook deliveries: one row per alert, event and target."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "event", "target"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(BigId, ForeignKey("alerts.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(10), doc="fired | resolved")
    target: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(10), doc="json | slack")
    status: Mapped[str] = mapped_column(String(10), doc="pending | sent | failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SloDay(Base):
    """A day of one project whose calls ``slo_day_counts`` holds, for the SLO periods
    (store/slo_days.py): the calls in ``(day, day + 1 day]``."""

    __tablename__ = "slo_days"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    day: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    measures: Mapped[list[str]] = mapped_column(JSON, doc="What was counted: calls, errors, …")
    counted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SloDayCount(Base):
    """One measure of one group's calls on a counted day: ``calls``, ``errors`` or
    ``slow:<threshold ms>`` (zero counts are not stored)."""

    __tablename__ = "slo_day_counts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["project_id", "day"], ["slo_days.project_id", "slo_days.day"], ondelete="CASCADE"
        ),
        Index("ix_slo_day_counts_project_day", "project_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[datetime] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(256))
    tool: Mapped[str | None] = mapped_column(String(128))
    gateway: Mapped[bool] = mapped_column(Boolean)
    measure: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(BigId)


class OpenSession(Base):
    """A session still receiving events (incremental API, OpenTelemetry spans)."""

    __tablename__ = "open_sessions"
    __table_args__ = (
        UniqueConstraint("project_id", "session_id"),
        Index("ix_open_sessions_last_event", "last_event_at"),
    )

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    session_id: Mapped[str] = mapped_column(String(256))
    header: Mapped[dict[str, Any]] = mapped_column(JSON, doc="source, user_id, mode, …")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_event_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OpenSessionEvent(Base):
    """One appended event; ``event_key`` (the client's event id or span id) makes appends
    idempotent."""

    __tablename__ = "open_session_events"
    __table_args__ = (UniqueConstraint("open_pk", "event_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    open_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("open_sessions.pk", ondelete="CASCADE"), index=True
    )
    event_key: Mapped[str | None] = mapped_column(String(256))
    event: Mapped[dict[str, Any]] = mapped_column(JSON)


class LlmRollupGroup(Base):
    """A provider/model/tool group of a project's llm_calls, as the rollups key it. A
    unique key cannot hold NULL portably, so a NULL dimension is stored as '' with its bit
    set in ``nulls`` (1 provider, 2 model, 4 tool): '' and NULL stay apart."""

    __tablename__ = "llm_rollup_groups"
    __table_args__ = (UniqueConstraint("project_id", "provider", "model", "tool", "nulls"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    provider: Mapped[str] = mapped_column(String(128))
    model: Mapped[str] = mapped_column(String(256))
    tool: Mapped[str] = mapped_column(String(128))
    nulls: Mapped[int] = mapped_column(SmallInteger)


class _LlmRollupKey:
    """The key the LLM rollups start with: a project, a grain
    (``store.llm_rollup_parts.GRAINS``: hour, day), the bucket's start and a group. Small
    integer keys: the rollup job's upserts probe and extend these indexes for every row,
    and text keys made that three times slower. No foreign keys: the rows derive from
    llm_calls."""

    project_id: Mapped[int] = mapped_column(Integer)
    grain: Mapped[int] = mapped_column(SmallInteger)
    bucket_start: Mapped[datetime] = mapped_column(UtcDateTime)
    group_id: Mapped[int] = mapped_column(Integer)


_ROLLUP_KEY = ("project_id", "grain", "bucket_start", "group_id")


class LlmRollup(_LlmRollupKey, Base):
    """The llm_calls counters of one group and bucket (of the sessions rolled up)."""

    __tablename__ = "llm_rollups"
    __table_args__ = (PrimaryKeyConstraint(*_ROLLUP_KEY),)

    calls: Mapped[int] = mapped_column(BigId)
    errors: Mapped[int] = mapped_column(BigId)
    input_tokens: Mapped[int] = mapped_column(BigId)
    output_tokens: Mapped[int] = mapped_column(BigId)
    cost_nanos: Mapped[int] = mapped_column(BigId, doc="Cost in 1e-9 USD: integer sums are exact.")


class LlmRollupError(_LlmRollupKey, Base):
    """Failed calls per error type ('unknown' where none was named)."""

    __tablename__ = "llm_rollup_errors"
    __table_args__ = (PrimaryKeyConstraint(*_ROLLUP_KEY, "error_type"),)

    error_type: Mapped[str] = mapped_column(String(128))
    count: Mapped[int] = mapped_column(BigId)


class LlmRollupBin(_LlmRollupKey, Base):
    """Calls per histogram bin (store/histogram.py) of one metric
    (``store.llm_rollup_parts.METRICS``: latency, ttft)."""

    __tablename__ = "llm_rollup_bins"
    # the metric ahead of the bucket: the dashboard reads one metric's bins in key order
    __table_args__ = (
        PrimaryKeyConstraint("project_id", "grain", "metric", "bucket_start", "group_id", "bin"),
    )

    metric: Mapped[int] = mapped_column(SmallInteger)
    bin: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(BigId)


class TrendChange(Base):
    """A write that changed what trends count in the hour holding ``occurred_at`` (a
    session stored or replaced, a verdict, a thumbs recount): until the trend rollup job
    takes it, trends read that hour from the sessions themselves (store/trend_rollup.py).
    Rows are only appended by writers and deleted by the job: no writer waits on another."""

    __tablename__ = "trend_changes"
    __table_args__ = (Index("ix_trend_changes_project_occurred", "project_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class _TrendRollupKey:
    """An hourly or daily bucket (``store.llm_rollup_parts.GRAINS``) of one dimension's
    value (``store.trend_rollup_parts.DIMENSIONS``; 'none' holds every session with a NULL
    value). Rows are recomputed whole, never upserted, so the key needs no uniqueness and
    NULL values stay NULL. No foreign keys: the rows derive from sessions."""

    project_id: Mapped[int] = mapped_column(Integer)
    grain: Mapped[int] = mapped_column(SmallInteger)
    dimension: Mapped[int] = mapped_column(SmallInteger)
    bucket_start: Mapped[datetime] = mapped_column(UtcDateTime)
    value: Mapped[str | None] = mapped_column(String(256))


_TREND_KEY = ("project_id", "dimension", "grain", "bucket_start")


class TrendRollup(_TrendRollupKey, Base):
    """Session counters per bucket and dimension value (what store/session_trends.py and
    the session side of outcome trends add up)."""

    __tablename__ = "trend_rollups"
    __table_args__ = (Index("ix_trend_rollups_key", *_TREND_KEY),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sessions: Mapped[int] = mapped_column(BigId)
    user_turns: Mapped[int] = mapped_column(BigId)
    tool_calls: Mapped[int] = mapped_column(BigId)
    tool_errors: Mapped[int] = mapped_column(BigId)
    stuck: Mapped[int] = mapped_column(BigId)
    condensed: Mapped[int] = mapped_column(BigId)
    tokens_total: Mapped[int] = mapped_column(BigId)
    cost_nanos: Mapped[int] = mapped_column(BigId, doc="Cost in 1e-9 USD: integer sums are exact.")
    end_completed: Mapped[int] = mapped_column(BigId)
    end_user_closed: Mapped[int] = mapped_column(BigId)
    end_timeout: Mapped[int] = mapped_column(BigId)
    end_error: Mapped[int] = mapped_column(BigId)
    end_unknown: Mapped[int] = mapped_column(BigId)
    feedback: Mapped[int] = mapped_column(BigId)
    feedback_up: Mapped[int] = mapped_column(BigId)


class TrendRollupBin(_TrendRollupKey, Base):
    """Sessions per histogram bin (store/histogram.py) of one timing
    (``store.trend_rollup_parts.TIMINGS``: duration, time to first response)."""

    __tablename__ = "trend_rollup_bins"
    __table_args__ = (Index("ix_trend_rollup_bins_key", *_TREND_KEY),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    metric: Mapped[int] = mapped_column(SmallInteger)
    bin: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(BigId)


class VerdictRollup(_TrendRollupKey, Base):
    """The current verdicts of one prompt version per bucket and dimension value, with
    the thumbs of the sessions they judge (the outcome side of outcome trends)."""

    __tablename__ = "verdict_rollups"
    __table_args__ = (Index("ix_verdict_rollups_key", "prompt", *_TREND_KEY),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prompt: Mapped[str] = mapped_column(String(128))
    judged: Mapped[int] = mapped_column(BigId)
    term_completed: Mapped[int] = mapped_column(BigId)
    term_abandoned: Mapped[int] = mapped_column(BigId)
    term_errored: Mapped[int] = mapped_column(BigId)
    term_timed_out: Mapped[int] = mapped_column(BigId)
    help_helpful: Mapped[int] = mapped_column(BigId)
    help_partially_helpful: Mapped[int] = mapped_column(BigId)
    help_unhelpful: Mapped[int] = mapped_column(BigId)
    help_unknown: Mapped[int] = mapped_column(BigId)
    confidence_sum: Mapped[float] = mapped_column(Float)
    confidence_n: Mapped[int] = mapped_column(BigId)
    judged_feedback: Mapped[int] = mapped_column(BigId)
    down_on_positive: Mapped[int] = mapped_column(BigId)
    up_on_negative: Mapped[int] = mapped_column(BigId)
