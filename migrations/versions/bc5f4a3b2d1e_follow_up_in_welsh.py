"""campaign.follow_up_template_cy: the follow-up letter in Welsh

Revision ID: bc5f4a3b2d1e
Revises: ab4e3f2a1c0d
Create Date: 2026-12-06 23:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'bc5f4a3b2d1e'
down_revision = 'ab4e3f2a1c0d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('follow_up_template_cy', sa.Text(), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('follow_up_template_cy')
