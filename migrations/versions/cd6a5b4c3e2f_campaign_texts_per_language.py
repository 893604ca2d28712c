"""campaign_text: a campaign's texts per language, as rows, not *_cy columns

The nine Welsh columns of campaign become rows of campaign_text with
language 'cy' (only for campaigns that had any Welsh text), so a further
language is a row, not a migration.

Revision ID: cd6a5b4c3e2f
Revises: bc5f4a3b2d1e
Create Date: 2026-12-07 01:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'cd6a5b4c3e2f'
down_revision = 'bc5f4a3b2d1e'
branch_labels = None
depends_on = None

TEXTS = {
    'title': sa.String(160), 'summary': sa.String(300), 'intro_markdown': sa.Text(),
    'subject_template': sa.String(200), 'body_template': sa.Text(),
    'thank_you_markdown': sa.Text(), 'share_text': sa.String(280),
    'group_label': sa.String(120), 'follow_up_template': sa.Text(),
}


def upgrade():
    op.create_table(
        'campaign_text',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=35), nullable=False),
        *(sa.Column(name, kind, server_default='', nullable=False) for name, kind in TEXTS.items()),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_campaign_text_campaign_id_campaign')),
        sa.PrimaryKeyConstraint('campaign_id', 'language', name=op.f('pk_campaign_text')),
    )
    names = ', '.join(TEXTS)
    welsh = ', '.join(f'{name}_cy' for name in TEXTS)
    any_welsh = ' OR '.join(f"{name}_cy != ''" for name in TEXTS)
    op.execute(f"INSERT INTO campaign_text (campaign_id, language, {names}) "
               f"SELECT id, 'cy', {welsh} FROM campaign WHERE {any_welsh}")
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name in TEXTS:
            batch_op.drop_column(f'{name}_cy')


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name, kind in TEXTS.items():
            batch_op.add_column(sa.Column(f'{name}_cy', kind, server_default='', nullable=False))
    for name in TEXTS:
        op.execute(f"UPDATE campaign SET {name}_cy = COALESCE((SELECT {name} FROM campaign_text "
                   f"WHERE campaign_id = campaign.id AND language = 'cy'), '')")
    op.drop_table('campaign_text')
