"""subscriber: placed_with, the postcode data's load that placed them

Replaces placed_at. A subscriber placed with older data than the newest
`data load` (new wards, new boundaries, or a process's copy from just
before the load) is placed again by the worker's job
(app/alerts/places.py). Everyone placed before this migration is placed
again once, their codes kept meanwhile.

Revision ID: b4c5d6e7f8a9
Revises: a3b4c5d6e7f8
Create Date: 2026-12-07 23:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b4c5d6e7f8a9'
down_revision = 'a3b4c5d6e7f8'
branch_labels = None
depends_on = None

UNPLACED = 'placed_at IS NULL AND postcode IS NOT NULL'
WITH_POSTCODE = 'postcode IS NOT NULL'


def upgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_to_place', sqlite_where=sa.text(UNPLACED),
                            postgresql_where=sa.text(UNPLACED))
        batch_op.add_column(sa.Column('placed_with', sa.DateTime(), nullable=True))
        batch_op.drop_column('placed_at')
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.create_index('ix_subscriber_to_place', ['placed_with'], unique=False,
                              sqlite_where=sa.text(WITH_POSTCODE),
                              postgresql_where=sa.text(WITH_POSTCODE))


def downgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_to_place', sqlite_where=sa.text(WITH_POSTCODE),
                            postgresql_where=sa.text(WITH_POSTCODE))
        batch_op.add_column(sa.Column('placed_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE subscriber SET placed_at = placed_with')
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_column('placed_with')
        batch_op.create_index('ix_subscriber_to_place', ['id'], unique=False,
                              sqlite_where=sa.text(UNPLACED),
                              postgresql_where=sa.text(UNPLACED))
