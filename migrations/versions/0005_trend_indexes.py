"""trend indexes: failed calls, thumbs by time; on Postgres an index-only sessions scan
and statistics of the bucket expressions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 23:35:07.071674
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TREND_COLUMNS = [
    "session_id", "model", "provider", "source", "client_version", "mode", "end_reason",
    "stuck", "duration_ms", "ttfr_ms", "user_turns", "tool_calls", "tool_errors",
    "condense_count", "tokens_total", "cost_usd",
]
# Postgres estimates GROUP BY date_trunc(...) at one group per row (and so sorts instead
# of hashing) unless it has statistics of the expression itself.
BUCKET_STATISTICS = [
    (f"st_{table}_{unit}", table, column, unit)
    for table, column in (("sessions", "occurred_at"), ("llm_calls", "ts"))
    for unit in ("hour", "day", "week")
]


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_project_ts', ['project_id', 'ts'], unique=False, postgresql_include=['session_id', 'rating'])

    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.create_index('ix_llm_calls_failed', ['project_id', 'ts'], unique=False, postgresql_include=['provider', 'model', 'tool', 'error_type'], postgresql_where=sa.text('NOT ok'), sqlite_where=sa.text('NOT ok'))

    if _postgres():
        # same key, now carrying the columns trends read (SQLite keeps the plain index)
        op.drop_index('ix_sessions_project_occurred', table_name='sessions')
        op.create_index('ix_sessions_project_occurred', 'sessions', ['project_id', 'occurred_at', 'pk'], unique=False, postgresql_include=TREND_COLUMNS)
        for name, table, column, unit in BUCKET_STATISTICS:
            op.execute(f"CREATE STATISTICS {name} ON (date_trunc('{unit}', timezone('UTC', {column}))) FROM {table}")


def downgrade() -> None:
    if _postgres():
        for name, *_ in BUCKET_STATISTICS:
            op.execute(f"DROP STATISTICS IF EXISTS {name}")
        op.drop_index('ix_sessions_project_occurred', table_name='sessions')
        op.create_index('ix_sessions_project_occurred', 'sessions', ['project_id', 'occurred_at', 'pk'], unique=False)

    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_llm_calls_failed', postgresql_include=['provider', 'model', 'tool', 'error_type'], postgresql_where=sa.text('NOT ok'), sqlite_where=sa.text('NOT ok'))

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_project_ts', postgresql_include=['session_id', 'rating'])
