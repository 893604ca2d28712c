"""campaign branding: organisation, accent colour, and a picture

Revision ID: f3a1b2c4d5e6
Revises: e2f0a1b3c4d5
Create Date: 2026-12-01 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a1b2c4d5e6'
down_revision = 'e2f0a1b3c4d5'
branch_labels = None
depends_on = None

COLUMNS = (('organisation_name', 120), ('organisation_url', 500), ('accent_colour', 7),
           ('image_alt', 200))


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), server_default='', nullable=False)
            )
    op.create_table(
        'campaign_image',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=16), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
        sa.PrimaryKeyConstraint('campaign_id'),
    )


def downgrade():
    op.drop_table('campaign_image')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
