"""letter_recipient: site_refusals, and the status "held"

A recipient's email refused in bounce reports for the site's reasons goes
again after a pause, and after the third refusal waits for an admin
(app/letters/site_refusals.py), as a letter to its MP does. The refusals
are counted on the recipient: a digest's refusal counts on each recipient
in it. (The status column is a string: "held" needs no change to it.)

Revision ID: c5d6e7f8a9b0
Revises: c4d5e6f7a8b9
Create Date: 2026-12-08 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5d6e7f8a9b0'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None

HELD = "status = 'held'"


def upgrade():
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_refusals', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index('ix_letter_recipient_held', ['message_id'], unique=False,
                              sqlite_where=sa.text(HELD), postgresql_where=sa.text(HELD))


def downgrade():
    # The older code knows no "held": a recipient held for an admin is shown
    # as failed (its failure says why), which that code's admin can resend.
    op.execute("UPDATE letter_recipient SET status = 'failed' WHERE status = 'held'")
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_recipient_held', sqlite_where=sa.text(HELD),
                            postgresql_where=sa.text(HELD))
        batch_op.drop_column('site_refusals')
