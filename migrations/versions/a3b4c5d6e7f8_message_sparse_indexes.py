"""message: index an alert's, a share's and a digest's letters only where set; one constituency index

Most letters came from no alert, no share and no digest, yet each insert,
and each change of status (on PostgreSQL a status change writes an entry
in every index of the row), wrote a NULL entry into those three indexes.
(constituency_id, status) kept the same entries as (status,
constituency_id) in the other order; its one reader, the constituencies
export, reads the other as well (docs/performance.md).

Rebuilding the indexes holds writes to `message` while it runs: run it at a
quiet hour (CHANGELOG).

Revision ID: a3b4c5d6e7f8
Revises: f1a2b3c4d5e6
Create Date: 2026-12-07 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3b4c5d6e7f8'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None

SPARSE = (
    ('ix_message_referred_by', ['referred_by_id']),
    ('ix_message_alert', ['alert_id']),
    ('ix_message_digest_outbox_id', ['digest_outbox_id']),
)


def _set(columns):
    return sa.text(f'{columns[0]} IS NOT NULL')


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        for name, columns in SPARSE:
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False,
                                  sqlite_where=_set(columns), postgresql_where=_set(columns))
        batch_op.drop_index('ix_message_constituency_status')


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_constituency_status', ['constituency_id', 'status'],
                              unique=False)
        for name, columns in SPARSE:
            batch_op.drop_index(name, sqlite_where=_set(columns), postgresql_where=_set(columns))
            batch_op.create_index(name, columns, unique=False)
