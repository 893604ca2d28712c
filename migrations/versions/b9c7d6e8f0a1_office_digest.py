"""office_digest; letters remember the digest they went in

Revision ID: b9c7d6e8f0a1
Revises: a8b6c5d7e9f0
Create Date: 2026-12-01 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b9c7d6e8f0a1'
down_revision = 'a8b6c5d7e9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'office_digest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mp_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
        sa.ForeignKeyConstraint(['mp_id'], ['mp.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('mp_id', 'campaign_id', name='uq_office_digest'),
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_outbox_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_message_digest_outbox_id', ['digest_outbox_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_digest_outbox_id')
        batch_op.drop_column('digest_outbox_id')
    op.drop_table('office_digest')
