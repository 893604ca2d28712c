"""target.area_code: room for a Senedd constituency's short name

A Senedd constituency (from 2026) is named by its slug, such as
"blaenau-gwent-caerffili-rhymni" (app/reference/senedd_2026.csv), not by a
nine-character GSS code.

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-12-07 11:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.alter_column('area_code', existing_type=sa.String(length=9),
                              type_=sa.String(length=40), existing_nullable=True)


def downgrade():
    # The older code cannot place a Senedd target: retire them, keeping the
    # rows that letters' recipients point at, and drop the names that no
    # longer fit.
    op.execute(
        "UPDATE target SET retired_at = COALESCE(retired_at, CURRENT_TIMESTAMP), "
        "area_type = 'none', area_code = NULL WHERE area_type = 'senedd'"
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.alter_column('area_code', existing_type=sa.String(length=40),
                              type_=sa.String(length=9), existing_nullable=True)
