"""Alerts: write one, test it, send it to a segment of subscribers.

    save_alert -> send_test -> start_sending -> fan_out (worker, in batches)
    -> delivery (worker, throttled, after transactional mail) -> finish_alerts

The fan-out inserts, in one transaction per batch, an AlertRecipient row
(unique per alert and subscriber) and an outbox row for each recipient not
yet queued. A crash between batches loses nothing and repeats nothing: the
next run picks up the subscribers who have no row yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import exists, func, insert, select, update

from app.accounts import audit
from app.alerts.models import (
    Alert,
    AlertRecipient,
    AlertStatus,
    AlertVariant,
    Segment,
    Subscriber,
)
from app.alerts.segments import segment_subscribers
from app.alerts.variants import TEST_SHARES, in_test, variant_for
from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.models import BULK_PRIORITY, EmailKind, OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)


FAN_OUT_BATCH = 2000


class AlertInvalid(Exception):
    """The alert cannot be saved or sent as it is; `fields` says why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class Trial:
    """An alert's A/B test as an admin sets it: the other variants' subjects
    and bodies (B, C, D; none for no test), the share of the segment tested
    on, and how long before the winner is chosen."""

    variants: dict[str, tuple[str, str]] = field(default_factory=dict)
    percent: int = 0
    hours: int = 24


def _trial_problems(trial: Trial) -> dict[str, str]:
    problems = {}
    for label, (subject, body) in trial.variants.items():
        if body.strip() and not subject.strip():
            problems[f"subject_{label.lower()}"] = f"Give variant {label} a subject too."
    if trial.percent not in (0, *TEST_SHARES):
        problems["test_percent"] = "Choose a share of the segment to test on."
    elif trial.percent and not any(subject.strip() for subject, _ in trial.variants.values()):
        problems["test_percent"] = "A test needs at least one more variant (B) to compare."
    if not 1 <= trial.hours <= 168:
        problems["test_hours"] = "Choose between 1 and 168 hours (a week)."
    return problems


def save_alert(admin, alert_id: int | None, *, campaign_id: int, subject: str, body_markdown: str,
               call_to_action: str, segment: str, trial: Trial | None = None) -> Alert:  # fmt: skip
    trial = trial or Trial()
    problems = _trial_problems(trial)
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
        _set_variants(alert, trial.variants)
        alert.test_percent = trial.percent if alert.variants else 0
        alert.test_hours = trial.hours
        session.add(alert)
        session.flush()
        audit.record(admin, "alert.saved", "alert", alert.id, subject[:100])
    return alert


def _set_variants(alert: Alert, wanted: dict[str, tuple[str, str]]) -> None:
    """Change the variants in place (a label is unique per alert, so one is
    never deleted and inserted again in the same flush)."""
    kept = {label: (subject.strip(), body) for label, (subject, body) in wanted.items()
            if subject.strip()}  # fmt: skip
    for variant in list(alert.variants):
        if variant.label in kept:
            variant.subject, variant.body_markdown = kept.pop(variant.label)
        else:
            alert.variants.remove(variant)
    for label, (subject, body) in sorted(kept.items()):
        alert.variants.append(AlertVariant(label=label, subject=subject, body_markdown=body))


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
        testing = alert.testing
        if testing and alert.tested_at is not None and alert.winner is None:
            return 0  # the test's share is queued; its figures are coming in
        test_pass = testing and alert.tested_at is None
        # The next batch starts after the last subscriber looked at. (Asking
        # "not yet queued?" of each subscriber instead walked every queued one
        # again for each batch: quadratic in the audience, so each batch was
        # slower than the last; docs/performance.md.)
        cursor = alert.fan_out_cursor
        if cursor is None:  # an alert whose fan-out began before the cursor was kept
            cursor = session.scalar(
                select(func.max(AlertRecipient.subscriber_id)).where(
                    AlertRecipient.alert_id == alert.id
                )
            )
        query = segment_subscribers(alert).where(Subscriber.id > (cursor or 0))
        if testing and not test_pass:  # after the test: everyone it did not queue
            queued = exists().where(
                AlertRecipient.alert_id == alert.id, AlertRecipient.subscriber_id == Subscriber.id
            )
            query = query.where(~queued)
        ids = session.scalars(query.order_by(Subscriber.id).limit(batch)).all()
        chosen: list[tuple[int, str | None]]
        if test_pass:
            chosen = [(i, variant_for(alert, i)) for i in ids if in_test(alert, i)]
        else:
            chosen = [(i, alert.winner if testing else None) for i in ids]
        if chosen:
            recipients = session.execute(
                insert(AlertRecipient).returning(AlertRecipient.id, AlertRecipient.subscriber_id),
                [
                    {"alert_id": alert.id, "subscriber_id": i, "variant": v, "tested": test_pass}
                    for i, v in chosen
                ],
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
        if ids:
            alert.fan_out_cursor = ids[-1]
        if len(ids) < batch:
            if test_pass:  # the test's share is all queued: its clock starts
                alert.tested_at = utcnow()
            else:
                alert.queued_at = utcnow()
    return len(chosen)


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


def all_alerts() -> list[Alert]:
    return list(db.session.scalars(select(Alert).order_by(Alert.id.desc())))
