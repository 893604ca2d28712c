"""letter erased_at, subscriber suppressed_at

Revision ID: c4d2e1f3a5b6
Revises: b3c1f0a2d9e4
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e1f3a5b6'
down_revision = 'b3c1f0a2d9e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suppressed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_column('suppressed_at')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
