"""Subscribers and alerts in tests."""

from __future__ import annotations

from app.accounts.sign_in import create_admin
from app.alerts import sending, subscribers
from app.alerts.models import Alert, Segment, Subscriber, SubscriberStatus
from app.extensions import db
from tests.builders.admins import ADMIN_PASSWORD
from tests.builders.letters import demo_campaign
from tests.builders.outbox import deliver, fresh


def subscriber(email: str, status: str = SubscriberStatus.CONFIRMED, postcode: str | None = None):
    s = subscribers.record_consent(
        email, source="site", postcode=postcode, verified=status == "confirmed"
    )
    s = db.session.get(Subscriber, s.id)
    if status != "confirmed":
        s.status = status
    db.session.commit()
    return s


def an_admin():
    return create_admin("ada@example.org", ADMIN_PASSWORD)


def new_alert(admin, segment=Segment.ALL, subject="MPs vote on Thursday"):
    return sending.save_alert(
        admin, None, campaign_id=demo_campaign().id, subject=subject,
        body_markdown="The vote is **this week**. [Read more](https://example.org/news)",
        call_to_action="Write to your MP now", segment=segment,
    )  # fmt: skip


def alert_sending_to(admin, emails) -> Alert:
    """A new alert, started, to these confirmed subscribers (not yet queued)."""
    for email in emails:
        subscriber(email)
    alert = new_alert(admin)
    sending.start_sending(alert, admin)
    return alert


def send(alert, admin):
    sending.start_sending(alert, admin)
    deliver()
    return fresh(db.session.get(Alert, alert.id))
