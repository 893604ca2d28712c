"""webhooks: endpoints and the events they chose; the outbox carries their calls

The outbox's row gains the endpoint a call goes to, and its kind grows to
hold an event's name ("person.unsubscribed").

Revision ID: e8f9a0b1c2d3
Revises: cd6a5b4c3e2f
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e8f9a0b1c2d3'
down_revision = 'cd6a5b4c3e2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=80), nullable=False),
        sa.Column('previous_secret', sa.String(length=80), nullable=True),
        sa.Column('previous_until', sa.DateTime(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('stopped_reason', sa.String(length=300), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('paused_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['partner_id'], ['partner.id'],
                                name=op.f('fk_webhook_endpoint_partner_id_partner')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint')),
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_partner_id'), ['partner_id'],
                              unique=False)
    op.create_table(
        'webhook_endpoint_event',
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'],
                                name=op.f('fk_webhook_endpoint_event_endpoint_id_webhook_endpoint')),
        sa.PrimaryKeyConstraint('endpoint_id', 'event', name=op.f('pk_webhook_endpoint_event')),
    )
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=12),
                              type_=sa.String(length=30), existing_nullable=False)
        batch_op.add_column(sa.Column('endpoint_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_outbox_email_endpoint', ['endpoint_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_email_endpoint_id_webhook_endpoint'),
                                    'webhook_endpoint', ['endpoint_id'], ['id'])


def downgrade():
    op.execute("DELETE FROM outbox_email WHERE endpoint_id IS NOT NULL")
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_email_endpoint_id_webhook_endpoint'),
                                 type_='foreignkey')
        batch_op.drop_index('ix_outbox_email_endpoint')
        batch_op.drop_column('endpoint_id')
        batch_op.alter_column('kind', existing_type=sa.String(length=30),
                              type_=sa.String(length=12), existing_nullable=False)
    op.drop_table('webhook_endpoint_event')
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoint_partner_id'))
    op.drop_table('webhook_endpoint')
