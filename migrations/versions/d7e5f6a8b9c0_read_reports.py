"""read_report: each bounce report read once, and those not understood kept for an admin

Revision ID: d7e5f6a8b9c0
Revises: c6d4e5f7a8b9
Create Date: 2026-12-06 20:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7e5f6a8b9c0'
down_revision = 'c6d4e5f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'read_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=120), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_read_report')),
        sa.UniqueConstraint('digest', name=op.f('uq_read_report_digest')),
    )
    with op.batch_alter_table('read_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_report_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('read_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_report_received_at'))
    op.drop_table('read_report')
