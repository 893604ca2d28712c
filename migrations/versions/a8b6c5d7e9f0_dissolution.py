"""dissolution periods; letters WAITING for the new MPs count as active

Revision ID: a8b6c5d7e9f0
Revises: f7a5b4c6d8e9
Create Date: 2026-12-01 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a8b6c5d7e9f0'
down_revision = 'f7a5b4c6d8e9'
branch_labels = None
depends_on = None

BEFORE = "status IN ('pending', 'held', 'queued', 'sent')"
AFTER = "status IN ('pending', 'held', 'queued', 'sent', 'waiting')"


def _active_index(batch_op, where: str) -> None:
    batch_op.create_index('uq_message_one_active_per_campaign', ['campaign_id', 'sender_email_key'],
                          unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    op.create_table(
        'dissolution',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dissolved_on', sa.Date(), nullable=False),
        sa.Column('election_on', sa.Date(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, AFTER)


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, BEFORE)
    op.drop_table('dissolution')
