"""Supporters and opponents: a campaign's variant subject and opening per stance

campaign_target_stance marks a campaign's targets; campaign_target_variant
holds what their emails say differently; letter_recipient keeps the variant
each recipient was sent (app/targets/models.py).

Revision ID: a6b7c8d9e0f1
Revises: f5a6b7c8d9e0
Create Date: 2026-12-07 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a6b7c8d9e0f1'
down_revision = 'f5a6b7c8d9e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign_target_stance',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('stance', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign_targets.campaign_id'], name=op.f('fk_campaign_target_stance_campaign_id_campaign_targets')),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], name=op.f('fk_campaign_target_stance_list_id_target_list')),
    sa.PrimaryKeyConstraint('campaign_id', 'list_id', 'ref', name=op.f('pk_campaign_target_stance'))
    )
    op.create_table('campaign_target_variant',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=9), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('opening', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign_targets.campaign_id'], name=op.f('fk_campaign_target_variant_campaign_id_campaign_targets')),
    sa.PrimaryKeyConstraint('campaign_id', 'stance', name=op.f('pk_campaign_target_variant'))
    )
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stance', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('opening', sa.String(length=1000), nullable=True))


def downgrade():
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.drop_column('opening')
        batch_op.drop_column('subject')
        batch_op.drop_column('stance')
    op.drop_table('campaign_target_variant')
    op.drop_table('campaign_target_stance')
