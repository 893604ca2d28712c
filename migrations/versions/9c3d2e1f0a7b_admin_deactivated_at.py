"""admin_user.deactivated_at: when an account was ended, for the retention schedule

Revision ID: 9c3d2e1f0a7b
Revises: 8b2f1d4c0a63
Create Date: 2026-12-06 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9c3d2e1f0a7b'
down_revision = '8b2f1d4c0a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
