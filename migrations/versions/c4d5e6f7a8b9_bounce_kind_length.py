"""bounce.kind: as long as outbox_email.kind

At 12 characters it could not hold "target_digest" or "recipient_failed":
on PostgreSQL a bounce report about such an email was never acted on (the
insert failed, and the report was kept to be read again).

Revision ID: c4d5e6f7a8b9
Revises: b4c5d6e7f8a9
Create Date: 2026-12-08 02:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d5e6f7a8b9'
down_revision = 'b4c5d6e7f8a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bounce', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=12),
                              type_=sa.String(length=30), existing_nullable=False)


def downgrade():
    # The longer kinds' rows would not fit: they are cut, as the older
    # schema could never have stored them anyway.
    op.execute("UPDATE bounce SET kind = substr(kind, 1, 12) WHERE length(kind) > 12")
    with op.batch_alter_table('bounce', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=30),
                              type_=sa.String(length=12), existing_nullable=False)
