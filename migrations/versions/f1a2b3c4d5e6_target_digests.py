"""target_digest: a target's office's daily digest; letter_recipient.digest_outbox_id

Revision ID: f1a2b3c4d5e6
Revises: e0f1a2b3c4d5
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a2b3c4d5e6'
down_revision = 'e0f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'target_digest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=60), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
        sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('list_id', 'ref', 'campaign_id', name='uq_target_digest'),
    )
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_outbox_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_letter_recipient_digest_outbox_id'),
                              ['digest_outbox_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_recipient_digest_outbox_id'))
        batch_op.drop_column('digest_outbox_id')
    op.drop_table('target_digest')
