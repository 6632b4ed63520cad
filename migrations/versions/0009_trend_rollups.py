"""Trend rollups: session counters, timing histogram bins and per-prompt verdict counters
per project, dimension value, grain (hour, day) and bucket start, recomputed from the
sessions for the hours named in trend_changes (store/trend_rollup.py). Every hour that
already holds sessions is named once, so the job's first cycles build the rollups.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
KEY = ['project_id', 'dimension', 'grain', 'bucket_start']
SESSION_COUNTERS = [
    'sessions', 'user_turns', 'tool_calls', 'tool_errors', 'stuck', 'condensed',
    'tokens_total', 'cost_nanos', 'end_completed', 'end_user_closed', 'end_timeout',
    'end_error', 'end_unknown', 'feedback', 'feedback_up',
]
VERDICT_COUNTERS = [
    'judged', 'term_completed', 'term_abandoned', 'term_errored', 'term_timed_out',
    'help_helpful', 'help_partially_helpful', 'help_unhelpful', 'help_unknown',
]
VERDICT_THUMBS = ['judged_feedback', 'down_on_positive', 'up_on_negative']


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column('id', BIG, autoincrement=True, nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.SmallInteger(), nullable=False),
        sa.Column('dimension', sa.SmallInteger(), nullable=False),
        sa.Column('bucket_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('value', sa.String(length=256), nullable=True),
    ]


def _counters(names: list[str]) -> list[sa.Column]:
    return [sa.Column(name, BIG, nullable=False) for name in names]


HOURS = {
    'postgresql': "date_trunc('hour', occurred_at, 'UTC')",
    'sqlite': 'substr(occurred_at, 1, 13)',
}


def upgrade() -> None:
    op.create_table('trend_changes',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_changes'))
    )
    op.create_index('ix_trend_changes_project_occurred', 'trend_changes', ['project_id', 'occurred_at'], unique=False)
    op.create_table('trend_rollups', *_key_columns(), *_counters(SESSION_COUNTERS),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_rollups'))
    )
    op.create_index('ix_trend_rollups_key', 'trend_rollups', KEY, unique=False)
    op.create_table('trend_rollup_bins', *_key_columns(),
    sa.Column('metric', sa.SmallInteger(), nullable=False),
    sa.Column('bin', sa.Integer(), nullable=False),
    sa.Column('count', BIG, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_rollup_bins'))
    )
    op.create_index('ix_trend_rollup_bins_key', 'trend_rollup_bins', KEY, unique=False)
    op.create_table('verdict_rollups', *_key_columns(),
    sa.Column('prompt', sa.String(length=128), nullable=False),
    *_counters(VERDICT_COUNTERS),
    sa.Column('confidence_sum', sa.Float(), nullable=False),
    *_counters(['confidence_n', *VERDICT_THUMBS]),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict_rollups'))
    )
    op.create_index('ix_verdict_rollups_key', 'verdict_rollups', ['prompt', *KEY], unique=False)
    hour = HOURS[op.get_bind().dialect.name]
    op.execute(
        'INSERT INTO trend_changes (project_id, occurred_at)'
        f' SELECT project_id, min(occurred_at) FROM sessions GROUP BY project_id, {hour}'
    )


def downgrade() -> None:
    op.drop_index('ix_verdict_rollups_key', table_name='verdict_rollups')
    op.drop_table('verdict_rollups')
    op.drop_index('ix_trend_rollup_bins_key', table_name='trend_rollup_bins')
    op.drop_table('trend_rollup_bins')
    op.drop_index('ix_trend_rollups_key', table_name='trend_rollups')
    op.drop_table('trend_rollups')
    op.drop_index('ix_trend_changes_project_occurred', table_name='trend_changes')
    op.drop_table('trend_changes')
