"""outbox_email: index an alert's, a call's and a recipient's columns only where set

A letter's email has no subscriber, alert, endpoint or recipient, yet each
of its inserts and outcomes wrote an entry for NULL in five indexes: about a
fifth of the pages SQLite wrote an email (docs/performance.md).

Revision ID: e0f1a2b3c4d5
Revises: d9e0f1a2b3c4
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e0f1a2b3c4d5'
down_revision = 'd9e0f1a2b3c4'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_outbox_email_subscriber', ['subscriber_id']),
    ('ix_outbox_email_alert_recipient', ['alert_recipient_id']),
    ('ix_outbox_email_alert_status', ['alert_id', 'status']),
    ('ix_outbox_email_endpoint', ['endpoint_id']),
    ('ix_outbox_email_recipient', ['recipient_id']),
)


def _set(columns):
    return sa.text(f'{columns[0]} IS NOT NULL')


def upgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False,
                                  sqlite_where=_set(columns), postgresql_where=_set(columns))


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.drop_index(name, sqlite_where=_set(columns), postgresql_where=_set(columns))
            batch_op.create_index(name, columns, unique=False)
