"""letters by post: message.by_post, and 'posted' counts as a constituent's letter

Revision ID: e2f0a1b3c4d5
Revises: d1e9f0a2b3c4
Create Date: 2026-12-01 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e2f0a1b3c4d5'
down_revision = 'd1e9f0a2b3c4'
branch_labels = None
depends_on = None

BEFORE = "status IN ('pending', 'held', 'queued', 'sent', 'waiting') AND follow_up_of_id IS NULL"
AFTER = (
    "status IN ('pending', 'held', 'queued', 'sent', 'waiting', 'posted') "
    "AND follow_up_of_id IS NULL"
)


def _active_index(batch_op, where: str) -> None:
    batch_op.create_index('uq_message_one_active_per_campaign', ['campaign_id', 'sender_email_key'],
                          unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_post', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, AFTER)


def downgrade():
    # Earlier code knows no 'posted': such letters end as cancelled.
    op.execute("UPDATE message SET status = 'cancelled' WHERE status = 'posted'")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, BEFORE)
        batch_op.drop_column('by_post')
