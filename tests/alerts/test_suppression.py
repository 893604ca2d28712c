"""Suppression has a way out: an admin lifts it, or the person subscribes
again with fresh consent (a new consent record, and the address confirmed
again)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import AuditEvent
from app.alerts import subscribers
from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.extensions import db
from tests.builders.alerts import subscriber


def suppressed(email: str) -> Subscriber:
    s = subscriber(email)
    subscribers.suppress(email, "bounced: 550 no such user")
    db.session.commit()
    db.session.refresh(s)
    assert s.status == SubscriberStatus.SUPPRESSED
    return s


def test_an_admin_lifts_a_suppression_and_it_is_audited(app, admin_client):
    s = suppressed("reader@example.com")
    response = admin_client.post(f"/admin/subscribers/{s.id}/lift")
    assert response.status_code == 303
    db.session.commit()
    db.session.refresh(s)
    assert s.status == SubscriberStatus.CONFIRMED  # they had confirmed before
    assert s.suppressed_reason is None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "subscriber.suppression_lifted" in actions
    # Lifting what is not suppressed changes nothing.
    assert admin_client.post(f"/admin/subscribers/{s.id}/lift").status_code == 303
    assert (
        db.session.scalar(
            select(func.count()).where(AuditEvent.action == "subscriber.suppression_lifted")
        )
        == 1
    )


def test_a_viewer_cannot_lift_a_suppression(app, viewer_client):
    s = suppressed("reader@example.com")
    assert viewer_client.post(f"/admin/subscribers/{s.id}/lift").status_code == 403
    db.session.refresh(s)
    assert s.status == SubscriberStatus.SUPPRESSED


def test_subscribing_again_with_fresh_consent_ends_the_suppression(app):
    s = suppressed("reader@example.com")
    before = db.session.scalar(select(func.count()).select_from(Consent))
    subscribers.record_consent("Reader@Example.com", source="site")
    db.session.commit()
    db.session.refresh(s)
    assert s.status == SubscriberStatus.PENDING  # to be confirmed again by email
    assert s.suppressed_reason is None
    assert db.session.scalar(select(func.count()).select_from(Consent)) == before + 1
