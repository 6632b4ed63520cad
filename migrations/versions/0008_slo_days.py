"""slo_days and slo_day_counts: calls per group and day, counted once a day has left the
alert windows, for the error budget of an SLO period (store/slo_days.py)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('slo_days',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_slo_days_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'day', name=op.f('pk_slo_days'))
    )
    op.create_table('slo_day_counts',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider', sa.String(length=128), nullable=True),
    sa.Column('model', sa.String(length=256), nullable=True),
    sa.Column('tool', sa.String(length=128), nullable=True),
    sa.Column('gateway', sa.Boolean(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('count', BIG, nullable=False),
    sa.ForeignKeyConstraint(['project_id', 'day'], ['slo_days.project_id', 'slo_days.day'], name=op.f('fk_slo_day_counts_project_id_slo_days'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slo_day_counts'))
    )
    op.create_index('ix_slo_day_counts_project_day', 'slo_day_counts', ['project_id', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_slo_day_counts_project_day', table_name='slo_day_counts')
    op.drop_table('slo_day_counts')
    op.drop_table('slo_days')
