"""subscriber: council, county and ward, for alerts "whose councillor has not heard"

Placed from the postcode when it is stored, and by the worker's job
(app/alerts/places.py) for subscribers from before.

Revision ID: d9e0f1a2b3c4
Revises: c8d9e0f1a2b3
Create Date: 2026-12-07 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd9e0f1a2b3c4'
down_revision = 'c8d9e0f1a2b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(sa.Column('council_code', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('county_code', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('ward_code', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('placed_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_subscriber_to_place', ['id'], unique=False,
                              sqlite_where=sa.text('placed_at IS NULL AND postcode IS NOT NULL'),
                              postgresql_where=sa.text('placed_at IS NULL AND postcode IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_to_place',
                            sqlite_where=sa.text('placed_at IS NULL AND postcode IS NOT NULL'),
                            postgresql_where=sa.text('placed_at IS NULL AND postcode IS NOT NULL'))
        batch_op.drop_column('placed_at')
        batch_op.drop_column('ward_code')
        batch_op.drop_column('county_code')
        batch_op.drop_column('council_code')
