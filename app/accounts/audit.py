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


# What each action is, in words, for whoever reads the log (the stored
# names stay stable for searches and exports). Unknown names show as stored.
IN_WORDS = {
    "admin.login": "signed in",
    "admin.logout": "signed out",
    "admin.sign_in_refused": "sign-in refused: wrong password or unknown address",
    "admin.code_refused": "sign-in refused: wrong or reused code",
    "admin.created": "admin account created",
    "admin.deactivated": "admin account deactivated",
    "admin.totp_reset": "two-factor sign-in reset",
    "alert.saved": "alert saved",
    "alert.test_sent": "alert test sent",
    "alert.sending": "alert sent to subscribers",
    "alert.cancelled": "alert cancelled",
    "campaign.created": "campaign created",
    "campaign.updated": "campaign changed",
    "letter.body_viewed": "letter read",
    "letters.bodies_viewed": "letters read on the moderation page",
    "letter.resent": "letter sent again",
    "letter.held_sent": "letter sent again to its recipients held after the site's refusals",
    "letter.cancelled": "letter cancelled",
    "letter.marked_delivered": "letter marked delivered by hand",
    "moderation.released": "held letter released",
    "moderation.rejected": "held letter rejected",
    "mail.pause_ended": "paused mail to a domain sent again",
    "office.digest_on": "office chose one email a day",
    "office.digest_off": "office chose each letter as it comes",
    "parliament.dissolved": "Parliament set as dissolved",
    "parliament.ended": "dissolution ended",
    "partner.saved": "partner saved",
    "partner.enabled": "partner enabled",
    "partner.disabled": "partner disabled",
    "privacy.data_deleted": "a person's data deleted at their request",
    "subscriber.suppressed": "subscriber suppressed",
    "subscriber.suppression_lifted": "subscriber's suppression lifted",
    "api_key.issued": "API key made",
    "api_key.rotated": "API key replaced by a new one",
    "api_key.revoked": "API key revoked",
    "share_test.started": "A/B test of the share message started",
    "webhook.registered": "webhook endpoint registered",
    "webhook.secret_rotated": "webhook endpoint given a new secret",
    "webhook.resumed": "webhook endpoint resumed",
    "webhook.stopped": "webhook endpoint stopped",
}


def in_words(action: str) -> str:
    if action.startswith("export."):
        return f"exported {action.removeprefix('export.')}"
    return IN_WORDS.get(action, action)


def recent(limit: int = 200, *, before_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
