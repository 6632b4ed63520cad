"""trends, feedback, labels, alerts, open sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:33:36.965233
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('objective', sa.String(length=128), nullable=False),
    sa.Column('provider', sa.String(length=128), nullable=True),
    sa.Column('model', sa.String(length=256), nullable=True),
    sa.Column('tool', sa.String(length=128), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('burn_rates', sa.JSON(), nullable=False),
    sa.Column('budget_remaining', sa.Float(), nullable=False),
    sa.Column('active_key', sa.String(length=600), nullable=True),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_alerts_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('active_key', name=op.f('uq_alerts_active_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_project_fired', ['project_id', 'fired_at'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=256), nullable=False),
    sa.Column('user_key', sa.String(length=256), nullable=False),
    sa.Column('rating', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_feedback_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('project_id', 'session_id', 'user_key', name=op.f('uq_feedback_project_id_session_id_user_key'))
    )
    op.create_table('open_sessions',
    sa.Column('pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=256), nullable=False),
    sa.Column('header', sa.JSON(), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_open_sessions_project_id_projects')),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_open_sessions')),
    sa.UniqueConstraint('project_id', 'session_id', name=op.f('uq_open_sessions_project_id_session_id'))
    )
    with op.batch_alter_table('open_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_open_sessions_last_event', ['last_event_at'], unique=False)

    op.create_table('prompt_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('from_prompt', sa.String(length=128), nullable=True),
    sa.Column('to_prompt', sa.String(length=128), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_prompt_changes_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_changes'))
    )
    with op.batch_alter_table('prompt_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_changes_project_id'), ['project_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=1000), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries')),
    sa.UniqueConstraint('alert_id', 'event', 'target', name=op.f('uq_alert_deliveries_alert_id_event_target'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('open_session_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('open_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_key', sa.String(length=256), nullable=True),
    sa.Column('event', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['open_pk'], ['open_sessions.pk'], name=op.f('fk_open_session_events_open_pk_open_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_session_events')),
    sa.UniqueConstraint('open_pk', 'event_key', name=op.f('uq_open_session_events_open_pk_event_key'))
    )
    with op.batch_alter_table('open_session_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_session_events_open_pk'), ['open_pk'], unique=False)

    op.create_table('current_verdicts',
    sa.Column('session_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('prompt', sa.String(length=128), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('verdict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('termination', sa.String(length=16), nullable=False),
    sa.Column('helpfulness', sa.String(length=24), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_current_verdicts_project_id_projects')),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_current_verdicts_session_pk_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verdict_id'], ['verdicts.id'], name=op.f('fk_current_verdicts_verdict_id_verdicts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'prompt', name=op.f('pk_current_verdicts'))
    )
    with op.batch_alter_table('current_verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_current_verdicts_project_prompt', ['project_id', 'prompt'], unique=False)

    op.create_table('labels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('session_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('verdict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reviewer', sa.String(length=128), nullable=False),
    sa.Column('termination', sa.String(length=16), nullable=True),
    sa.Column('helpfulness', sa.String(length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_labels_project_id_projects')),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_labels_session_pk_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verdict_id'], ['verdicts.id'], name=op.f('fk_labels_verdict_id_verdicts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labels'))
    )
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.create_index('ix_labels_project_session', ['project_id', 'session_pk', 'created_at'], unique=False)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duration_ms', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('ttfr_ms', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('user_turns', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tool_calls', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tool_errors', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('llm_calls', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('llm_errors', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('condense_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tokens_total', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cost_usd', sa.Float(), server_default='0', nullable=False))
    _backfill()





_COPIES = {
    "duration_ms": "duration_ms",
    "ttfr_ms": "time_to_first_response_ms",
    "user_turns": "user_turns",
    "tool_calls": "tool_calls",
    "tool_errors": "tool_errors",
    "llm_calls": "steps",
    "llm_errors": "llm_calls_failed",
    "condense_count": "condense_count",
    "tokens_total": "tokens_total",
    "cost_usd": "cost_usd",
}


def _backfill() -> None:
    """Sessions stored before this revision get their metric columns from ``metrics``."""
    postgres = op.get_bind().dialect.name == "postgresql"
    casts = {"duration_ms": "float8", "ttfr_ms": "float8", "cost_usd": "float8"}
    assignments = []
    for column, key in _COPIES.items():
        if postgres:
            cast = casts.get(column, "bigint")
            value = f"(metrics->>'{key}')::{cast}"
        else:
            value = f"json_extract(metrics, '$.{key}')"
        default = "NULL" if column in ("duration_ms", "ttfr_ms") else "0"
        assignments.append(f"{column} = COALESCE({value}, {default})")
    op.execute(f"UPDATE sessions SET {', '.join(assignments)}")


def downgrade() -> None:

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('cost_usd')
        batch_op.drop_column('tokens_total')
        batch_op.drop_column('condense_count')
        batch_op.drop_column('llm_errors')
        batch_op.drop_column('llm_calls')
        batch_op.drop_column('tool_errors')
        batch_op.drop_column('tool_calls')
        batch_op.drop_column('user_turns')
        batch_op.drop_column('ttfr_ms')
        batch_op.drop_column('duration_ms')

    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.drop_index('ix_labels_project_session')

    op.drop_table('labels')
    with op.batch_alter_table('current_verdicts', schema=None) as batch_op:
        batch_op.drop_index('ix_current_verdicts_project_prompt')

    op.drop_table('current_verdicts')
    with op.batch_alter_table('open_session_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_session_events_open_pk'))

    op.drop_table('open_session_events')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_deliveries_due')

    op.drop_table('alert_deliveries')
    with op.batch_alter_table('prompt_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_changes_project_id'))

    op.drop_table('prompt_changes')
    with op.batch_alter_table('open_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_open_sessions_last_event')

    op.drop_table('open_sessions')
    op.drop_table('feedback')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_project_fired')

    op.drop_table('alerts')

