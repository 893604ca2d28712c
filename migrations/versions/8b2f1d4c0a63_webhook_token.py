"""webhook_token: each token of a relay's webhook signature accepted once (Mailgun)

Revision ID: 8b2f1d4c0a63
Revises: 7a1e0c3b9f52
Create Date: 2026-12-06 21:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8b2f1d4c0a63'
down_revision = '7a1e0c3b9f52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_token',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('digest'),
    )
    with op.batch_alter_table('webhook_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_token_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_token_expires_at'))
    op.drop_table('webhook_token')
