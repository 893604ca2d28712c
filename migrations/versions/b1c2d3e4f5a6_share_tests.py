"""share_test: A/B tests of a campaign's share message

Revision ID: b1c2d3e4f5a6
Revises: a0b1c2d3e4f5
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1c2d3e4f5a6'
down_revision = 'a0b1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'share_test',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('text_b', sa.String(length=280), nullable=False),
        sa.Column('text_c', sa.String(length=280), nullable=False),
        sa.Column('text_d', sa.String(length=280), nullable=False),
        sa.Column('hours', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('winner', sa.String(length=1), nullable=True),
        sa.Column('winner_text', sa.String(length=280), nullable=True),
        sa.Column('decision', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_share_test_campaign_id_campaign')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_share_test')),
    )
    with op.batch_alter_table('share_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_test_campaign_id'), ['campaign_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('share_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_test_campaign_id'))
    op.drop_table('share_test')
