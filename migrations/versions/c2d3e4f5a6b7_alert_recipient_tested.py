"""alert_recipient.tested: who was in an A/B test's share (and so in its figures)

Revision ID: c2d3e4f5a6b7
Revises: b1c2d3e4f5a6
Create Date: 2026-12-07 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c2d3e4f5a6b7'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alert_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tested', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # Until now, only a test's recipients had a variant before its decision.
    op.execute(
        "UPDATE alert_recipient SET tested = true WHERE variant IS NOT NULL AND alert_id IN "
        "(SELECT id FROM alert WHERE winner IS NULL)"
    )


def downgrade():
    with op.batch_alter_table('alert_recipient', schema=None) as batch_op:
        batch_op.drop_column('tested')
