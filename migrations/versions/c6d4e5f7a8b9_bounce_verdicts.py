"""bounce.type: whose fault (recipient, transient, site, complaint) instead of hard and soft

Revision ID: c6d4e5f7a8b9
Revises: b5c3d4e6f7a8
Create Date: 2026-12-06 20:50:00

"""
from alembic import op


revision = 'c6d4e5f7a8b9'
down_revision = 'b5c3d4e6f7a8'
branch_labels = None
depends_on = None

# Every old verdict has one new name; "site" is new and goes back as "soft"
# (nothing was booked on anyone for it, as for a soft bounce).
RENAMED = (("hard", "recipient"), ("soft", "transient"))


def upgrade():
    for old, new in RENAMED:
        op.execute(f"UPDATE bounce SET type = '{new}' WHERE type = '{old}'")


def downgrade():
    op.execute("UPDATE bounce SET type = 'soft' WHERE type = 'site'")
    for old, new in RENAMED:
        op.execute(f"UPDATE bounce SET type = '{old}' WHERE type = '{new}'")
