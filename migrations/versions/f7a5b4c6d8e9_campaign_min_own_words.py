"""campaign.min_own_words_percent

Revision ID: f7a5b4c6d8e9
Revises: e6f4a3b5c7d8
Create Date: 2026-12-01 11:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f7a5b4c6d8e9'
down_revision = 'e6f4a3b5c7d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('min_own_words_percent', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('min_own_words_percent')
