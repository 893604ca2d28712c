"""What a bounce report, a complaint or an automatic reply does, once read
(app/bounces/reports.py), by whose fault it was (app/outbox/verdicts.py).

- The recipient's fault: a letter to an MP fails ("bounced"), its writer is
  told with their letter attached (the same email as a refusal at sending),
  and the MP's address is flagged: letters to it wait until it changes. A
  daily digest's failure does that for every letter in it. An alert, or an
  alert sign-up's confirmation, suppresses the subscriber.
- Transient: counted; three in a row suppress a subscriber. A letter's
  history notes it.
- The site's fault (blocked, spam, authentication, policy): booked on nobody.
  A letter (or one of its other recipients) goes again after a growing
  pause, and after a few refusals waits for an admin
  (app/letters/site_refusals.py); the dashboard shows the refusals and the
  admins are told once.
  Mail to the recipient's domain pauses, longer at each refusal in a row
  (app/outbox/pauses.py).
- A complaint suppresses the subscriber.
- An automatic reply to a letter ("out of office") is noted in its history:
  the letter arrived.

Each email is acted on once, whatever number of reports arrive for it. A
report whose return path is missing, forged or unknown changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import metrics
from app.bounces.models import Bounce, BounceType
from app.bounces.reports import Report
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters import site_refusals
from app.letters.models import Letter, LetterEvent, LetterStatus
from app.outbox import pauses
from app.outbox.health import tell_the_admins_of_refusals
from app.outbox.kinds import KINDS
from app.outbox.models import EmailKind, OutboxEmail

log = logging.getLogger(__name__)
AUTO_REPLY = "the office sent an automatic reply: the letter arrived"


# Every series exists from the start, at 0, so a rate rule sees the first one.
for _kind in EmailKind:
    for _type in BounceType:
        metrics.BOUNCES.labels(str(_kind), str(_type))


@dataclass(frozen=True)
class Handled:
    outcome: str  # what was done, in a few words (no address, no body)


def handle(report: Report) -> Handled:
    if report.outbox_id is None:
        return Handled("ignored: no genuine return path")
    if report.auto_reply:
        return _auto_reply(report.outbox_id)
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
    except IntegrityError:
        # Another way in acted on the same email at the same moment, if its
        # bounce row is there now; any other refusal is a fault of ours,
        # raised so the report is read again (and nothing is lost).
        db.session.rollback()
        if db.session.scalar(select(Bounce.id).where(Bounce.outbox_email_id == report.outbox_id)):
            return Handled("ignored: already acted on")
        raise
    metrics.BOUNCES.labels(str(row.kind), str(report.type)).inc()
    log.info("outbox %s (%s): %s bounce: %s", report.outbox_id, row.kind, report.type, outcome)
    return Handled(outcome)


def _act(session, row: OutboxEmail, report: Report) -> str:
    kind, detail = EmailKind(row.kind), report.diagnostic or str(report.type)
    if report.type == BounceType.SITE:
        tell_the_admins_of_refusals(session, detail)
        pauses.pause(session, pauses.recipient_domain(row), detail)
    spec = KINDS.get(kind)
    if spec is not None and spec.on_report is not None:  # a subscriber's: the alerts' rule
        assert report.type is not None  # handle() acts on failures only
        return spec.on_report(row, report.type, report.diagnostic or "")
    if kind == EmailKind.DIGEST:
        return _digest(session, row, report, detail)
    letter = row.letter
    if letter is None:
        return "noted"
    if kind == EmailKind.MP_LETTER and report.type == BounceType.RECIPIENT:
        return _letter_bounced(session, letter, detail)
    if kind == EmailKind.MP_LETTER and report.type == BounceType.SITE:
        return _refused_for_the_site(session, letter, row, detail)
    letter.log(f"the {kind.value.replace('_', ' ')} email: {report.type} bounce: {detail}")
    return "noted in the letter's history"


def _letter_bounced(session, letter, detail: str) -> str:
    """The MP's address took no mail: the letter fails, its writer is told,
    and the address is flagged."""
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


def _digest(session, row: OutboxEmail, report: Report, detail: str) -> str:
    """An office's daily digest: a hard bounce fails each letter in it, as a
    single letter's would; a refusal for the site's reasons puts each back in
    the queue; anything else is noted on each."""
    letters = session.scalars(select(Letter).where(Letter.digest_outbox_id == row.id)).all()
    if report.type == BounceType.RECIPIENT:
        for letter in letters:
            _letter_bounced(session, letter, detail)
        return f"digest bounced: {len(letters)} letters failed; writers told; address flagged"
    if report.type == BounceType.SITE:
        for letter in letters:
            _refused_for_the_site(session, letter, row, detail)
            letter.digest_outbox_id = None
        return f"digest refused for the site's reason: {len(letters)} letters back in the queue"
    for letter in letters:
        letter.log(f"the office's daily digest: {report.type} bounce: {detail}")
    return f"noted on {len(letters)} letters"


def _refused_for_the_site(session, letter, row: OutboxEmail, detail: str) -> str:
    """Refused for a reason of the site's (a blocklist, authentication,
    content): nothing is booked on the MP or the writer. The letter goes
    again after a pause, then waits for an admin."""
    # Counted on the letter's own history, which a digest's refusal writes on
    # each of its letters (the digest's row names only the first).
    refusals = 1 + session.scalar(
        select(func.count()).where(
            LetterEvent.letter_id == letter.id, LetterEvent.detail.startswith(site_refusals.REFUSED)
        )
    )
    if letter.status not in (LetterStatus.SENT, LetterStatus.QUEUED):
        letter.log(f"refused for a reason on the site's side: {detail}")
        return "noted: refused for the site's reason"
    if letter.status == LetterStatus.SENT:
        letter.move_to(LetterStatus.QUEUED, detail=f"{site_refusals.REFUSED}: {detail}")
    else:
        letter.log(f"{site_refusals.REFUSED}: {detail}")
    pause = site_refusals.pause_after(refusals)
    if pause is None:
        letter.move_to(LetterStatus.HELD, detail=f"refused {refusals} times for the site's reasons")
        letter.hold_reason = site_refusals.held_because(refusals, detail)[:200]
        return "letter held for an admin: refused again for the site's reasons"
    if row.kind == EmailKind.DIGEST:
        # Back in the queue, out of that digest: the office's next digest
        # (a day on) gathers it again.
        return f"letter back in the queue for the office's next digest: {detail}"
    session.add(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id, priority=row.priority,
                            language=row.language, not_before=utcnow() + pause))  # fmt: skip
    return f"letter goes again in {pause}: refused for the site's reason"


def _auto_reply(outbox_id: int) -> Handled:
    """The recipient's server answered automatically: for a letter, the office
    received it. Noted once; nothing else changes."""
    with write_transaction() as session:
        row = session.get(OutboxEmail, outbox_id)
        if (
            row is None
            or row.letter is None
            or row.kind not in (EmailKind.MP_LETTER, EmailKind.DIGEST)
        ):
            return Handled("ignored: an automatic reply")
        if not any(AUTO_REPLY in event.detail for event in row.letter.events):
            row.letter.log(AUTO_REPLY)
    return Handled("noted: the office sent an automatic reply")
