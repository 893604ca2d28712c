"""follow-up letters: campaign.follow_up_template, message.follow_up_of_id

A follow-up does not count as the constituent's active letter in the
campaign (the unique index skips it); one per letter.

Revision ID: c0d8e7f9a1b2
Revises: b9c7d6e8f0a1
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c0d8e7f9a1b2'
down_revision = 'b9c7d6e8f0a1'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('pending', 'held', 'queued', 'sent', 'waiting')"


def _active_index(batch_op, where: str) -> None:
    batch_op.create_index('uq_message_one_active_per_campaign', ['campaign_id', 'sender_email_key'],
                          unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('follow_up_template', sa.Text(), server_default='', nullable=False)
        )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_of_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_message_follow_up_of_id', ['follow_up_of_id'])
        batch_op.create_foreign_key('fk_message_follow_up_of', 'message', ['follow_up_of_id'], ['id'])
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, ACTIVE + " AND follow_up_of_id IS NULL")


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_one_active_per_campaign')
        _active_index(batch_op, ACTIVE)
        batch_op.drop_constraint('fk_message_follow_up_of', type_='foreignkey')
        batch_op.drop_constraint('uq_message_follow_up_of_id', type_='unique')
        batch_op.drop_column('follow_up_of_id')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('follow_up_template')
