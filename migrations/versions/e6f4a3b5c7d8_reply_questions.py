"""reply_question: did your MP reply?

Revision ID: e6f4a3b5c7d8
Revises: d5e3f2a4b6c7
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e6f4a3b5c7d8'
down_revision = 'd5e3f2a4b6c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('asks', sa.Integer(), nullable=False),
        sa.Column('last_asked_at', sa.DateTime(), nullable=False),
        sa.Column('answer', sa.String(length=8), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('first_time', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    with op.batch_alter_table('reply_question', schema=None) as batch_op:
        batch_op.create_index('ix_reply_question_answer', ['answer', 'answered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('reply_question', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_question_answer')
    op.drop_table('reply_question')
