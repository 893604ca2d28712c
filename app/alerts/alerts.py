"""Alerts: write one, test it, send it to a segment of subscribers, and measure it.

    save_alert -> send_test -> start_sending -> fan_out (worker, in batches)
    -> delivery (worker, throttled, after transactional mail) -> finish_alerts

The fan-out inserts, in one transaction per batch, an AlertRecipient row
(unique per alert and subscriber) and an outbox row for each recipient not
yet queued. A crash between batches loses nothing and repeats nothing: the
next run picks up the subscribers who have no row yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, func, insert, select, update

from app.accounts import audit
from app.alerts.models import (
    Alert,
    AlertRecipient,
    AlertStatus,
    Segment,
    Subscriber,
)
from app.alerts.segments import segment_count, segment_subscribers
from app.bounces.models import Bounce, BounceType
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter
from app.outbox.models import BULK_PRIORITY, EmailKind, OutboxEmail, OutboxStatus
from app.sharing.sharing import alert_ref
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id

log = logging.getLogger(__name__)
# Warn above these shares of an alert's emails. Amazon SES reviews a sender
# at 5% bounces and 0.1% complaints; Gmail and Yahoo require bulk senders to
# stay under 0.3% complaints. Warning early leaves room to act.
BOUNCE_RATE_WARNING = 0.02
COMPLAINT_RATE_WARNING = 0.001
FAN_OUT_BATCH = 2000


class AlertInvalid(Exception):
    """The alert cannot be saved or sent as it is; `fields` says why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def save_alert(admin, alert_id: int | None, *, campaign_id: int, subject: str, body_markdown: str,
               call_to_action: str, segment: str) -> Alert:  # fmt: skip
    problems = {}
    if not subject.strip():
        problems["subject"] = "Give the alert a subject."
    if segment not in set(Segment):
        problems["segment"] = "Choose who it goes to."
    if problems:
        raise AlertInvalid(problems)
    with write_transaction() as session:
        alert = (
            session.get(Alert, alert_id)
            if alert_id
            else Alert(created_by=admin.id, status=AlertStatus.DRAFT)
        )
        if alert.status != AlertStatus.DRAFT:
            raise AlertInvalid({"subject": "An alert that has been sent cannot be changed."})
        alert.campaign_id = campaign_id
        alert.subject = subject.strip()
        alert.body_markdown = body_markdown
        alert.call_to_action = call_to_action.strip() or "Write to your MP"
        alert.segment = segment
        session.add(alert)
        session.flush()
        audit.record(admin, "alert.saved", "alert", alert.id, subject[:100])
    return alert


def send_test(alert: Alert, admin) -> None:
    """A copy to the admin's own address, with working but inert links."""
    with write_transaction() as session:
        session.add(
            OutboxEmail(kind=EmailKind.ALERT_TEST, alert_id=alert.id, to_address=admin.email)
        )
        audit.record(admin, "alert.test_sent", "alert", alert.id)


def start_sending(alert: Alert, admin) -> Alert:
    with write_transaction() as session:
        alert = session.get(Alert, alert.id)
        if alert.status != AlertStatus.DRAFT:
            raise AlertInvalid({"segment": "This alert has already been sent."})
        alert.status = AlertStatus.SENDING
        alert.started_at = utcnow()
        audit.record(admin, "alert.sending", "alert", alert.id, alert.segment)
    log.info("alert %s: sending to %s", alert.id, alert.segment)
    return alert


def cancel_alert(alert: Alert, admin) -> Alert:
    """Stop: nobody else is queued, and queued copies are not sent."""
    with write_transaction() as session:
        alert = session.get(Alert, alert.id)
        if alert.status != AlertStatus.SENDING:
            return alert
        alert.status = AlertStatus.CANCELLED
        alert.finished_at = utcnow()
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.alert_id == alert.id, OutboxEmail.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.CANCELLED)
        )
        audit.record(admin, "alert.cancelled", "alert", alert.id)
    return alert


def fan_out(batch: int = FAN_OUT_BATCH) -> int:
    """Queue the next batch of recipients of every alert being sent (worker housekeeping)."""
    queued = 0
    sending = db.session.scalars(
        select(Alert.id).where(Alert.status == AlertStatus.SENDING, Alert.queued_at.is_(None))
    ).all()
    for alert_id in sending:
        queued += _fan_out_batch(alert_id, batch)
    return queued


def _fan_out_batch(alert_id: int, batch: int) -> int:
    with write_transaction() as session:
        # Locked, so two workers' fan-outs of one alert take turns (SQLite's
        # write transaction already does).
        alert = session.get(Alert, alert_id, with_for_update=True)
        if alert.status != AlertStatus.SENDING or alert.queued_at is not None:
            return 0
        # Every recipient queued so far has an id up to this one, so the next
        # batch starts after it. (Asking "not yet queued?" of each subscriber
        # instead walked every queued one again for each batch: quadratic in
        # the audience, so each batch was slower than the last;
        # docs/performance.md.)
        passed = session.scalar(
            select(func.max(AlertRecipient.subscriber_id)).where(
                AlertRecipient.alert_id == alert.id
            )
        )
        ids = session.scalars(
            segment_subscribers(alert)
            .where(Subscriber.id > (passed or 0))
            .order_by(Subscriber.id)
            .limit(batch)
        ).all()
        if ids:
            recipients = session.execute(
                insert(AlertRecipient).returning(AlertRecipient.id, AlertRecipient.subscriber_id),
                [{"alert_id": alert.id, "subscriber_id": i} for i in ids],
            ).all()
            session.execute(
                insert(OutboxEmail),
                [
                    {
                        "kind": EmailKind.ALERT,
                        "priority": BULK_PRIORITY,  # after every transactional email
                        "alert_id": alert.id,
                        "alert_recipient_id": rid,
                        "subscriber_id": sid,
                        "not_before": utcnow(),
                    }
                    for rid, sid in recipients
                ],
            )
        if len(ids) < batch:
            alert.queued_at = utcnow()
    return len(ids)


def finish_alerts() -> int:
    """Alerts whose every copy has been dealt with are sent (worker housekeeping)."""
    pending = exists().where(
        OutboxEmail.alert_id == Alert.id,
        OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
    )
    with write_transaction() as session:
        done = session.scalars(
            select(Alert).where(
                Alert.status == AlertStatus.SENDING, Alert.queued_at.is_not(None), ~pending
            )
        ).all()
        for alert in done:
            alert.status = AlertStatus.SENT
            alert.finished_at = utcnow()
    return len(done)


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


def all_alerts() -> list[Alert]:
    return list(db.session.scalars(select(Alert).order_by(Alert.id.desc())))


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
        landing = Landing(alert.campaign.slug, alert_ref(alert.id))
    return landing
