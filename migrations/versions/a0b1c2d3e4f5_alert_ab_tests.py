"""A/B tests of alerts: variants, the test's share and decision, who got which

Revision ID: a0b1c2d3e4f5
Revises: f9a0b1c2d3e4
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a0b1c2d3e4f5'
down_revision = 'f9a0b1c2d3e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_variant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=1), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body_markdown', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'],
                                name=op.f('fk_alert_variant_alert_id_alert')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_variant')),
        sa.UniqueConstraint('alert_id', 'label', name='uq_alert_variant_label'),
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fan_out_cursor', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('test_percent', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('test_hours', sa.Integer(), server_default='24',
                                      nullable=False))
        batch_op.add_column(sa.Column('tested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('winner', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('decision', sa.Text(), nullable=True))
    with op.batch_alter_table('alert_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant', sa.String(length=1), nullable=True))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_variant', sa.String(length=1), nullable=True))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('alert_variant')
    with op.batch_alter_table('alert_recipient', schema=None) as batch_op:
        batch_op.drop_column('variant')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        for name in ('decision', 'winner', 'tested_at', 'test_hours', 'test_percent',
                     'fan_out_cursor'):
            batch_op.drop_column(name)
    op.drop_table('alert_variant')
