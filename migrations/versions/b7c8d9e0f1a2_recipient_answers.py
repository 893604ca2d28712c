"""letter_recipient.answer: did each recipient reply, by the writer's word

Revision ID: b7c8d9e0f1a2
Revises: a6b7c8d9e0f1
Create Date: 2026-12-07 11:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c8d9e0f1a2'
down_revision = 'a6b7c8d9e0f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer')
