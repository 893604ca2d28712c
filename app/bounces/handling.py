"""What a bounce report or a complaint does, once read (app/bounces/reports.py).

- A letter to an MP that hard-bounces fails ("bounced"), its writer is told
  with their letter attached (the same email as a refusal at sending), and
  the MP's address is flagged: letters to it wait until it changes.
- An alert, or an alert sign-up's confirmation, that hard-bounces or draws a
  complaint suppresses the subscriber; soft bounces are counted, and three
  in a row suppress.
- Anything else is noted in its letter's history.

Each email is acted on once, whatever number of reports arrive for it. A
report whose return path is missing, forged or unknown changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import metrics
from app.alerts.subscribers import mark_suppressed
from app.bounces.models import Bounce, BounceType
from app.bounces.reports import Report
from app.db import utcnow, write_transaction
from app.letters.models import LetterStatus
from app.outbox.models import EmailKind, OutboxEmail

log = logging.getLogger(__name__)
SOFT_BOUNCES_TO_SUPPRESS = 3
SUBSCRIBER_KINDS = {EmailKind.ALERT, EmailKind.SUBSCRIBE_CONFIRM, EmailKind.PREFERENCES_LINK}


@dataclass(frozen=True)
class Handled:
    outcome: str  # what was done, in a few words (no address, no body)


def handle(report: Report) -> Handled:
    if report.outbox_id is None:
        return Handled("ignored: no genuine return path")
    if report.type is None:
        return Handled("ignored: not a failure")
    try:
        with write_transaction() as session:
            row = session.get(OutboxEmail, report.outbox_id)
            if row is None:
                return Handled("ignored: no such email")
            done = session.scalar(select(Bounce.id).where(Bounce.outbox_email_id == row.id))
            if done is not None:
                return Handled("ignored: already acted on")
            session.add(
                Bounce(
                    outbox_email_id=row.id,
                    kind=str(row.kind),
                    alert_id=row.alert_id,
                    type=report.type,
                    diagnostic=report.diagnostic,
                )
            )
            session.flush()
            outcome = _act(session, row, report)
    except IntegrityError:  # another door acted on the same email at the same moment
        return Handled("ignored: already acted on")
    metrics.BOUNCES.labels(str(row.kind), str(report.type)).inc()
    log.info("outbox %s (%s): %s bounce: %s", report.outbox_id, row.kind, report.type, outcome)
    return Handled(outcome)


def _act(session, row: OutboxEmail, report: Report) -> str:
    kind, detail = EmailKind(row.kind), report.diagnostic or str(report.type)
    if kind in SUBSCRIBER_KINDS:
        return _subscriber(row, report)
    letter = row.letter
    if letter is None:
        return "noted"
    if kind == EmailKind.MP_LETTER and report.type == BounceType.HARD:
        mp = letter.mp
        if mp.email:
            mp.bounced_address, mp.bounced_at = mp.email, utcnow()
            mp.bounce_diagnostic = detail[:300]
        if letter.status in (LetterStatus.SENT, LetterStatus.QUEUED):
            letter.move_to(LetterStatus.FAILED, detail=f"bounced: {detail}")
            session.add(OutboxEmail(kind=EmailKind.DELIVERY_FAILED, letter_id=letter.id))
            return "letter failed; writer told; MP's address flagged"
        letter.log(f"the letter to the MP bounced: {detail}")
        return "MP's address flagged"
    letter.log(f"the {kind.value.replace('_', ' ')} email: {report.type} bounce: {detail}")
    return "noted in the letter's history"


def _subscriber(row: OutboxEmail, report: Report) -> str:
    assert report.type is not None  # handle() acts on failures only
    subscriber = row.to_subscriber
    if subscriber is None:
        return "noted"
    if report.type == BounceType.SOFT:
        subscriber.soft_bounces = (subscriber.soft_bounces or 0) + 1
        if subscriber.soft_bounces < SOFT_BOUNCES_TO_SUPPRESS:
            return f"soft bounce {subscriber.soft_bounces} counted"
    reason = {
        BounceType.HARD: f"bounced: {report.diagnostic}",
        BounceType.COMPLAINT: "complained of spam",
        BounceType.SOFT: f"{SOFT_BOUNCES_TO_SUPPRESS} soft bounces in a row",
    }[report.type]
    mark_suppressed(subscriber, reason)
    return "subscriber suppressed"
