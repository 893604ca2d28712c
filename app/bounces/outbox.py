"""What the bounces feature tells the outbox: refusals for the site's reasons
that bounce reports brought, for the dashboard's warnings and the admins'
email about a site problem (app/outbox/health.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.bounces.models import Bounce
from app.extensions import db
from app.outbox import health
from app.outbox.verdicts import BounceType


def site_refusals(since: datetime) -> tuple[int, str | None]:
    """How many reports since `since` said a server refused our mail for the
    site's reasons, and what the newest said."""
    recent = (Bounce.type == BounceType.SITE, Bounce.received_at >= since)
    count = db.session.scalar(select(func.count()).where(*recent)) or 0
    newest = db.session.scalar(
        select(Bounce.diagnostic).where(*recent).order_by(Bounce.id.desc()).limit(1)
    ) if count else None  # fmt: skip
    return count, newest


def register() -> None:
    health.declare_refusals(site_refusals)
