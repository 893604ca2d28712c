"""message.own_percent: the share in the writer's own words, measured at confirmation

Revision ID: b5c3d4e6f7a8
Revises: a4b2c3d5e6f7
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b5c3d4e6f7a8'
down_revision = 'a4b2c3d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_percent', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('own_percent')
