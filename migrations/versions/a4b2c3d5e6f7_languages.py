"""languages: each writer's and subscriber's language, and campaigns' Welsh texts

Revision ID: a4b2c3d5e6f7
Revises: f3a1b2c4d5e6
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a4b2c3d5e6f7'
down_revision = 'f3a1b2c4d5e6'
branch_labels = None
depends_on = None


WELSH = (('title_cy', sa.String(length=160)), ('summary_cy', sa.String(length=300)),
         ('intro_markdown_cy', sa.Text()), ('subject_template_cy', sa.String(length=200)),
         ('body_template_cy', sa.Text()), ('thank_you_markdown_cy', sa.Text()),
         ('share_text_cy', sa.String(length=280)), ('group_label_cy', sa.String(length=120)))


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name, type_ in WELSH:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))
    for table in ('message', 'subscriber'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('language', sa.String(length=5), server_default='en', nullable=False)
            )
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_column('language')
    for table in ('subscriber', 'message'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('language')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name, _ in reversed(WELSH):
            batch_op.drop_column(name)
