"""Alerts measured: how far a send has got, what it led to (opens by click,
letters written, bounces and complaints), and the click that credits it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, func, select

from app.alerts.models import (
    Alert,
    AlertRecipient,
    AlertStatus,
    Subscriber,
)
from app.alerts.segments import segment_count, segment_subscribers
from app.bounces.models import Bounce, BounceType
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.sharing.links import alert_ref
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id

# Warn above these shares of an alert's emails. Amazon SES reviews a sender
# at 5% bounces and 0.1% complaints; Gmail and Yahoo require bulk senders to
# stay under 0.3% complaints. Warning early leaves room to act.
BOUNCE_RATE_WARNING = 0.02


COMPLAINT_RATE_WARNING = 0.001


@dataclass(frozen=True)
class Progress:
    segment_size: int  # recipients queued so far plus those still to queue
    queued: int
    sent: int
    failed: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.cancelled

    @property
    def fraction(self) -> float:
        return self.done / self.segment_size if self.segment_size else 1.0


def progress(alert: Alert) -> Progress:
    counts = dict(
        db.session.execute(
            select(OutboxEmail.status, func.count())
            .where(OutboxEmail.alert_id == alert.id, OutboxEmail.kind == EmailKind.ALERT)
            .group_by(OutboxEmail.status)
        ).all()
    )
    queued = sum(counts.values())
    remaining = 0
    if alert.status == AlertStatus.SENDING and alert.queued_at is None:
        already = exists().where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.subscriber_id == Subscriber.id
        )
        remaining = db.session.execute(
            select(func.count()).select_from(segment_subscribers(alert).where(~already).subquery())
        ).scalar_one()
    elif alert.status == AlertStatus.DRAFT:
        remaining = segment_count(alert)
    return Progress(
        segment_size=queued + remaining,
        queued=queued,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0),
    )


@dataclass(frozen=True)
class AlertStats:
    recipients: int
    sent: int
    bounced: int  # refused by the relay while sending
    clicked: int
    letters_within_7_days: int
    bounce_reports: int = 0  # hard and soft bounce reports received after sending
    complaints: int = 0  # reported as spam

    @property
    def bounce_rate(self) -> float:
        return (self.bounced + self.bounce_reports) / self.sent if self.sent else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complaints / self.sent if self.sent else 0.0

    @property
    def warnings(self) -> list[str]:
        """Rates past what the big mailbox providers tolerate from bulk senders."""
        found = []
        if self.sent and self.bounce_rate >= BOUNCE_RATE_WARNING:
            found.append(f"bounces at {self.bounce_rate:.1%}: remove dead addresses first")
        if self.sent and self.complaint_rate >= COMPLAINT_RATE_WARNING:
            found.append(f"complaints at {self.complaint_rate:.2%}: providers act at 0.1-0.3%")
        return found


def alert_stats(alert: Alert) -> AlertStats:
    now = progress(alert)
    clicked = db.session.execute(
        select(func.count())
        .select_from(AlertRecipient)
        .where(AlertRecipient.alert_id == alert.id, AlertRecipient.clicked_at.is_not(None))
    ).scalar_one()
    letters = select(func.count()).select_from(Letter).where(Letter.alert_id == alert.id)
    if alert.started_at:
        letters = letters.where(Letter.created_at <= alert.started_at + timedelta(days=7))
    written = db.session.execute(letters).scalar_one()
    reports = dict(
        db.session.execute(
            select(Bounce.type, func.count())
            .where(Bounce.alert_id == alert.id)
            .group_by(Bounce.type)
        ).all()
    )
    bounce_reports = sum(n for kind, n in reports.items() if kind != BounceType.COMPLAINT)
    return AlertStats(now.queued, now.sent, now.failed, clicked, written, bounce_reports,
                      reports.get(BounceType.COMPLAINT, 0))  # fmt: skip


def click_token(recipient_id: int) -> str:
    return sign_id(Purpose.ALERT_CLICK, recipient_id)


@dataclass(frozen=True)
class Landing:
    campaign_slug: str
    ref: str


def record_click(token: str, *, count: bool = True) -> Landing | None:
    """An alert's link was followed: count it, and say where to land. Nothing
    of the recipient's (not even their postcode) rides on the landing: alerts
    are forwarded, and the link must reveal nothing about who it was sent to."""
    try:
        recipient_id = unsign_id(Purpose.ALERT_CLICK, token)
    except InvalidToken:
        return None
    with write_transaction() as session:
        recipient = session.get(AlertRecipient, recipient_id)
        if recipient is None:
            return None
        if count:  # (not a visitor already counted: see app/web/limits.py)
            recipient.clicks += 1
            recipient.clicked_at = recipient.clicked_at or utcnow()
        # A sign of life: the mailbox works, so earlier soft bounces were passing.
        if recipient.subscriber.soft_bounces:
            recipient.subscriber.soft_bounces = 0
        alert = recipient.alert
        # Only the test's readers' letters count for their variant.
        variant = recipient.variant if recipient.tested else None
        landing = Landing(alert.campaign.slug, alert_ref(alert.id, variant))
    return landing
