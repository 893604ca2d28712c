"""The audit log: one row per admin action, written in the action's own transaction."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AdminUser, AuditEvent
from app.extensions import db


def record(
    admin: AdminUser | None,
    action: str,
    target_type: str = "",
    target_id="",
    detail: str = "",
    *,
    actor: str | None = None,
) -> None:
    """Add an audit row to the current transaction (the caller commits).
    Without an admin the actor is "system", or who `actor` names."""
    db.session.add(
        AuditEvent(
            admin_id=admin.id if admin else None,
            actor=admin.email if admin else (actor or "system"),
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            detail=detail[:500],
        )
    )


def recent(limit: int = 200, *, before_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
