"""LLM rollups: counters, errors by type and latency/ttft histogram bins per
provider/model/tool group of a project, grain (hour, day) and bucket start;
sessions.rolled_up and a partial index of the sessions not rolled up yet

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
ROLLUP_KEY = ['project_id', 'grain', 'bucket_start', 'group_id']


def _key_columns() -> list[sa.Column]:
    """The key every rollup table starts with. No foreign keys: the rows derive from
    llm_calls, and a check per upserted row would slow the rollup job."""
    return [
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.SmallInteger(), nullable=False),
        sa.Column('bucket_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('llm_rollup_groups',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=128), nullable=False),
    sa.Column('model', sa.String(length=256), nullable=False),
    sa.Column('tool', sa.String(length=128), nullable=False),
    sa.Column('nulls', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_llm_rollup_groups_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_rollup_groups')),
    sa.UniqueConstraint('project_id', 'provider', 'model', 'tool', 'nulls', name=op.f('uq_llm_rollup_groups_project_id_provider_model_tool_nulls'))
    )
    op.create_table('llm_rollups',
    *_key_columns(),
    sa.Column('calls', BIG, nullable=False),
    sa.Column('errors', BIG, nullable=False),
    sa.Column('input_tokens', BIG, nullable=False),
    sa.Column('output_tokens', BIG, nullable=False),
    sa.Column('cost_nanos', BIG, nullable=False),
    sa.PrimaryKeyConstraint(*ROLLUP_KEY, name=op.f('pk_llm_rollups'))
    )
    op.create_table('llm_rollup_errors',
    *_key_columns(),
    sa.Column('error_type', sa.String(length=128), nullable=False),
    sa.Column('count', BIG, nullable=False),
    sa.PrimaryKeyConstraint(*ROLLUP_KEY, 'error_type', name=op.f('pk_llm_rollup_errors'))
    )
    op.create_table('llm_rollup_bins',
    *_key_columns(),
    sa.Column('metric', sa.SmallInteger(), nullable=False),
    sa.Column('bin', sa.Integer(), nullable=False),
    sa.Column('count', BIG, nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'grain', 'metric', 'bucket_start', 'group_id', 'bin', name=op.f('pk_llm_rollup_bins'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rolled_up', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_sessions_unrolled', ['project_id', 'pk'], unique=False, postgresql_where=sa.text('NOT rolled_up'), sqlite_where=sa.text('NOT rolled_up'))


def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_unrolled', postgresql_where=sa.text('NOT rolled_up'), sqlite_where=sa.text('NOT rolled_up'))
        batch_op.drop_column('rolled_up')
    op.drop_table('llm_rollup_bins')
    op.drop_table('llm_rollup_errors')
    op.drop_table('llm_rollups')
    op.drop_table('llm_rollup_groups')
