"""outcome trends without a feedback join: sessions.feedback_count and feedback_up (kept by
store/feedback.py), in the trend index instead of session_id; current_verdicts.occurred_at
(the session's, kept by store/verdicts.py and ingest) and an index by prompt and time that
carries what trends read (Postgres: index-only); on Postgres the collect_float8
aggregate, a group's values as an array in parallel plans, and statistics of the date_bin
bucket expressions (store/buckets.py) in place of the date_trunc ones of 0005

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TREND_COLUMNS_0005 = [
    "session_id", "model", "provider", "source", "client_version", "mode", "end_reason",
    "stuck", "duration_ms", "ttfr_ms", "user_turns", "tool_calls", "tool_errors",
    "condense_count", "tokens_total", "cost_usd",
]
TREND_COLUMNS = [c for c in TREND_COLUMNS_0005 if c != "session_id"] + [
    "feedback_count", "feedback_up",
]
VERDICT_COLUMNS = ["session_pk", "termination", "helpfulness", "confidence"]

# Every session's thumbs as they stand (the same count store/feedback.py keeps).
BACKFILL = """
UPDATE sessions SET
    feedback_count = (SELECT count(*) FROM feedback AS f
                      WHERE f.project_id = sessions.project_id
                        AND f.session_id = sessions.session_id),
    feedback_up = (SELECT count(*) FROM feedback AS f
                   WHERE f.project_id = sessions.project_id
                     AND f.session_id = sessions.session_id AND f.rating = 'up')
WHERE EXISTS (SELECT 1 FROM feedback AS f
              WHERE f.project_id = sessions.project_id AND f.session_id = sessions.session_id)
"""
VERDICT_TIMES = """
UPDATE current_verdicts SET occurred_at = (
    SELECT s.occurred_at FROM sessions AS s WHERE s.pk = current_verdicts.session_pk
)
"""


# array_agg has no combine function before Postgres 16, so it keeps a grouped read from
# running in parallel workers; array_append grows its state in place.
COLLECT_FLOAT8 = """
CREATE AGGREGATE collect_float8(float8) (
    SFUNC = array_append, STYPE = float8[], COMBINEFUNC = array_cat, PARALLEL = SAFE
)
"""


# Postgres estimates GROUP BY date_bin(...) at one group per row (no parallel partial
# aggregation then) unless it has statistics of the very expression.
BIN_STATISTICS = [
    (f"st_sessions_bin_{unit}", f"date_bin('{stride}'::interval, occurred_at, '2001-01-01 00:00:00+00'::timestamptz)")
    for unit, stride in (("hour", "1 hour"), ("day", "1 day"), ("week", "7 days"))
]
TRUNC_STATISTICS = [
    (f"st_sessions_{unit}", f"date_trunc('{unit}', timezone('UTC', occurred_at))")
    for unit in ("hour", "day", "week")
]


def _statistics(drop: list[tuple[str, str]], create: list[tuple[str, str]]) -> None:
    for name, _ in drop:
        op.execute(f"DROP STATISTICS IF EXISTS {name}")
    for name, expression in create:
        op.execute(f"CREATE STATISTICS {name} ON ({expression}) FROM sessions")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _trend_index(include: list[str]) -> None:
    op.drop_index('ix_sessions_project_occurred', table_name='sessions')
    op.create_index('ix_sessions_project_occurred', 'sessions', ['project_id', 'occurred_at', 'pk'], unique=False, postgresql_include=include)


def upgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('feedback_up', sa.Integer(), server_default='0', nullable=False))
    op.execute(BACKFILL)

    with op.batch_alter_table('current_verdicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_current_verdicts_project_prompt')
    op.execute(VERDICT_TIMES)
    with op.batch_alter_table('current_verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_current_verdicts_prompt_occurred', ['project_id', 'prompt', 'occurred_at'], unique=False, postgresql_include=VERDICT_COLUMNS)

    if _postgres():
        _trend_index(TREND_COLUMNS)
        op.execute(COLLECT_FLOAT8)
        _statistics(TRUNC_STATISTICS, BIN_STATISTICS)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP AGGREGATE collect_float8(float8)")
        _statistics(BIN_STATISTICS, TRUNC_STATISTICS)
        _trend_index(TREND_COLUMNS_0005)

    with op.batch_alter_table('current_verdicts', schema=None) as batch_op:
        batch_op.drop_index('ix_current_verdicts_prompt_occurred', postgresql_include=VERDICT_COLUMNS)
        batch_op.create_index('ix_current_verdicts_project_prompt', ['project_id', 'prompt'], unique=False)
        batch_op.drop_column('occurred_at')

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('feedback_up')
        batch_op.drop_column('feedback_count')
