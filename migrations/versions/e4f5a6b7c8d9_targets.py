"""targets: lists, campaigns' choices, letters' recipients

Target lists an admin loads (councillors, peers, ministers...), a
campaign's choice of them, and each letter's recipients besides its MP
(with their own email and state).

Revision ID: e4f5a6b7c8d9
Revises: d3e4f5a6b7c8
Create Date: 2026-12-07 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4f5a6b7c8d9'
down_revision = 'd3e4f5a6b7c8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('target_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.Column('loaded_by', sa.String(length=254), nullable=False),
    sa.Column('target_count', sa.Integer(), nullable=False),
    sa.Column('most_identical', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_list')),
    sa.UniqueConstraint('slug', name=op.f('uq_target_list_slug'))
    )
    op.create_table('campaign_targets',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('mp', sa.String(length=8), nullable=False),
    sa.Column('choice', sa.String(length=4), nullable=False),
    sa.Column('most', sa.Integer(), nullable=False),
    sa.Column('preselected', sa.Boolean(), nullable=False),
    sa.Column('offer_at_random', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_targets_campaign_id_campaign')),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_campaign_targets'))
    )
    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('body', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('postal_address', sa.String(length=300), nullable=True),
    sa.Column('area_type', sa.String(length=12), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], name=op.f('fk_target_list_id_target_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('list_id', 'version', 'ref', name=op.f('uq_target_list_id'))
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index('ix_target_current_area', ['list_id', 'area_code'], unique=False, sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))

    op.create_table('campaign_target_list',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign_targets.campaign_id'], name=op.f('fk_campaign_target_list_campaign_id_campaign_targets')),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], name=op.f('fk_campaign_target_list_list_id_target_list')),
    sa.PrimaryKeyConstraint('campaign_id', 'list_id', name=op.f('pk_campaign_target_list'))
    )
    op.create_table('target_exclusion',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign_targets.campaign_id'], name=op.f('fk_target_exclusion_campaign_id_campaign_targets')),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], name=op.f('fk_target_exclusion_list_id_target_list')),
    sa.PrimaryKeyConstraint('campaign_id', 'list_id', 'ref', name=op.f('pk_target_exclusion'))
    )
    op.create_table('letter_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.Column('body', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('postal_address', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('failure', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_letter_recipient_message_id_message')),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_letter_recipient_target_id_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_recipient'))
    )
    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_recipient_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_recipient_target_id'), ['target_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_mp', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('recipient_count', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_outbox_email_recipient', ['recipient_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_email_recipient_id_letter_recipient'), 'letter_recipient', ['recipient_id'], ['id'])




def downgrade():
    op.execute("DELETE FROM outbox_email WHERE recipient_id IS NOT NULL")

    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_email_recipient_id_letter_recipient'), type_='foreignkey')
        batch_op.drop_index('ix_outbox_email_recipient')
        batch_op.drop_column('recipient_id')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('recipient_count')
        batch_op.drop_column('to_mp')

    with op.batch_alter_table('letter_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_recipient_target_id'))
        batch_op.drop_index(batch_op.f('ix_letter_recipient_message_id'))

    op.drop_table('letter_recipient')
    op.drop_table('target_exclusion')
    op.drop_table('campaign_target_list')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index('ix_target_current_area', sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))

    op.drop_table('target')
    op.drop_table('campaign_targets')
    op.drop_table('target_list')
