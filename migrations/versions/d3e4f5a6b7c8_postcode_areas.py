"""postcode_index.areas: each postcode's country, county, council and ward

From Code-Point Open's admin codes; filled by the next `flask data load`
(app/reference/areas.py).

Revision ID: d3e4f5a6b7c8
Revises: c2d3e4f5a6b7
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd3e4f5a6b7c8'
down_revision = 'c2d3e4f5a6b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('postcode_index', schema=None) as batch_op:
        batch_op.add_column(sa.Column('areas', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('area_codes', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('postcode_index', schema=None) as batch_op:
        batch_op.drop_column('area_codes')
        batch_op.drop_column('areas')
