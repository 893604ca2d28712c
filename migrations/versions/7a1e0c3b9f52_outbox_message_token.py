"""outbox_email.message_token: a random value per row, for a globally unique Message-ID

Revision ID: 7a1e0c3b9f52
Revises: d7e5f6a8b9c0
Create Date: 2026-12-06 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7a1e0c3b9f52'
down_revision = 'd7e5f6a8b9c0'
branch_labels = None
depends_on = None

# What the model's RandomToken compiles to (app/outbox/models.py): the
# database fills every existing row, each with its own value, and every row
# inserted later, whatever inserts it (a process still running the previous
# release too).
DEFAULTS = {
    'sqlite': "(lower(hex(randomblob(16))))",
    'postgresql': "replace(CAST(gen_random_uuid() AS TEXT), '-', '')",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    column = sa.Column(
        'message_token', sa.String(length=32), server_default=sa.text(DEFAULTS[dialect]),
        nullable=False,
    )
    # SQLite's ALTER TABLE cannot add a column whose default is an expression:
    # the table is rebuilt, and the copy gives each row its own token.
    # PostgreSQL adds it in place, rewriting the table once with a value a row.
    recreate = 'always' if dialect == 'sqlite' else 'auto'
    with op.batch_alter_table('outbox_email', schema=None, recreate=recreate) as batch_op:
        batch_op.add_column(column)


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('message_token')
