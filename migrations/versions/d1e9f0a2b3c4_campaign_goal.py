"""campaign.goal_letters

Revision ID: d1e9f0a2b3c4
Revises: c0d8e7f9a1b2
Create Date: 2026-12-01 14:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd1e9f0a2b3c4'
down_revision = 'c0d8e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('goal_letters', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('goal_letters')
