"""domain_pause: recipient domains whose servers refuse the site, paused with backoff

Revision ID: ab4e3f2a1c0d
Revises: 9c3d2e1f0a7b
Create Date: 2026-12-06 23:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'ab4e3f2a1c0d'
down_revision = '9c3d2e1f0a7b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'domain_pause',
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.Column('until', sa.DateTime(), nullable=False),
        sa.Column('strikes', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('domain', name=op.f('pk_domain_pause')),
    )


def downgrade():
    op.drop_table('domain_pause')
