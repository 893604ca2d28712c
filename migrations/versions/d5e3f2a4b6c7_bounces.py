"""bounces: one row per email reported, MPs' bounced addresses, soft bounces

Revision ID: d5e3f2a4b6c7
Revises: c4d2e1f3a5b6
Create Date: 2026-12-01 11:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e3f2a4b6c7'
down_revision = 'c4d2e1f3a5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bounce',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_email_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('type', sa.String(length=10), nullable=False),
        sa.Column('diagnostic', sa.String(length=300), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], ),
        sa.ForeignKeyConstraint(['outbox_email_id'], ['outbox_email.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('outbox_email_id'),
    )
    with op.batch_alter_table('bounce', schema=None) as batch_op:
        batch_op.create_index('ix_bounce_alert', ['alert_id', 'type'], unique=False)
    with op.batch_alter_table('mp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_address', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('bounce_diagnostic', sa.String(length=300), nullable=True))
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('soft_bounces', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_column('soft_bounces')
    with op.batch_alter_table('mp', schema=None) as batch_op:
        batch_op.drop_column('bounce_diagnostic')
        batch_op.drop_column('bounced_at')
        batch_op.drop_column('bounced_address')
    with op.batch_alter_table('bounce', schema=None) as batch_op:
        batch_op.drop_index('ix_bounce_alert')
    op.drop_table('bounce')
