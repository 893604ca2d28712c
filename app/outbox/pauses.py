"""Pausing mail to a domain whose servers refuse the site itself.

A refusal for the site's reasons (a blocklist, its IP's reputation, a failed
SPF, DKIM or DMARC check: app/outbox/verdicts.py says which), whether the
receiving server said so while the worker was sending or later in a bounce
report, is booked on nobody. Sending more to that domain only deepens the
block, so mail to it waits: an hour after the first refusal, then 4, 12 and
24 hours at each refusal in a row. A pause is looked up once per claim; an
email due meanwhile goes back to the queue until the pause ends, without
counting as an attempt. An admin can end a pause from the dashboard.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import getaddresses

from sqlalchemy import delete, select, update

from app.accounts import audit
from app.adapters.smtp import RawEmail
from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.kinds import recipient_address
from app.outbox.mime import Email
from app.outbox.models import DomainPause, OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

STEPS = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=12), timedelta(hours=24))
# A pause over for this long is forgotten: the next refusal starts again at an hour.
FORGOTTEN_AFTER = timedelta(days=7)


def domain_of(address: str | None) -> str:
    return (address or "").strip().strip("<>").rpartition("@")[2].lower()


def recipient_of(email: Email) -> str:
    """The envelope recipient of a built email."""
    if isinstance(email, RawEmail):
        return email.recipient
    found = getaddresses([str(value) for value in email.get_all("To", [])])
    return found[0][1] if found else ""


def recipient_domain(row: OutboxEmail) -> str:
    """The domain an outbox row's email went to (its kind's addressee:
    app/outbox/kinds.py): an MP's office, a subscriber, a constituent."""
    return domain_of(recipient_address(row))


def pause(session, domain: str, reason: str, now: datetime | None = None) -> datetime | None:
    """Pause mail to `domain` (in the caller's transaction); when it ends.
    A refusal while already paused (of mail sent before the pause) adds nothing."""
    if not domain:
        return None
    now = now or utcnow()
    found = session.get(DomainPause, domain, with_for_update=True)
    if found is not None and found.until > now:
        return found.until
    if found is None or found.until < now - FORGOTTEN_AFTER:
        if found is not None:
            session.delete(found)
            session.flush()
        found = DomainPause(domain=domain, strikes=0, since=now)
        session.add(found)
    found.strikes += 1
    found.until = now + STEPS[min(found.strikes, len(STEPS)) - 1]
    found.reason = reason[:300]
    log.warning("mail to %s paused until %s: refused for the site's reasons", domain, found.until)
    return found.until


def paused_now(now: datetime | None = None) -> dict[str, datetime]:
    """Every domain paused at this moment, and until when."""
    rows = db.session.execute(
        select(DomainPause.domain, DomainPause.until).where(DomainPause.until > (now or utcnow()))
    ).all()
    db.session.rollback()  # end the read: the worker writes next
    return dict(rows)


def resume(domain: str, admin) -> bool:
    """An admin ends a pause now (the next refusal starts it again, longer):
    the domain's mail that waits for the pause goes now too."""
    with write_transaction() as session:
        found = session.get(DomainPause, domain)
        now = utcnow()
        if found is None or found.until <= now:
            return False
        # Mail that met the pause waits until its end, to the microsecond
        # (record_deferred, and the email refused). Another domain's row
        # moved by a chance match is only claimed and deferred again.
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.status == OutboxStatus.QUEUED, OutboxEmail.not_before == found.until)
            .values(not_before=now),
            execution_options={"synchronize_session": False},
        )
        found.until = now
        audit.record(admin, "mail.pause_ended", "domain", domain)
    return True


def forget_ended(now: datetime | None = None) -> int:
    """The retention purge's part: pauses over for FORGOTTEN_AFTER go."""
    with write_transaction() as session:
        return session.execute(
            delete(DomainPause).where(DomainPause.until < (now or utcnow()) - FORGOTTEN_AFTER),
            execution_options={"synchronize_session": False},
        ).rowcount
