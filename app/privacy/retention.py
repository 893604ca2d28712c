"""The personal-data life cycle: the purge, which carries out the retention
schedule (app/privacy/schedule.py, where each period and what is erased is
written down as data) every day in the worker, and on
`flask --app wsgi privacy purge`.

Erasing a letter empties its name, email address, postal address, subject and
body, and deletes its moderation fingerprint; its campaign, constituency,
MP, dates, state and event log (which holds no personal data) stay, so the
counts do not change. Its email key becomes a keyed hash (`erased_key`), so
"one letter per person per campaign" still holds for a delivered letter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.accounts.models import AdminSession, AdminUser, AuditEvent
from app.alerts.models import Subscriber, SubscriberStatus
from app.bounces.models import ReadReport
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterEvent, LetterShingle, LetterStatus, Recipient
from app.outbox import pauses
from app.outbox.models import OutboxEmail, OutboxStatus
from app.parliament.models import Dissolution
from app.privacy.schedule import Periods
from app.targets.models import Target
from app.tokens import ERASED, erased_key, keyed_hash

log = logging.getLogger(__name__)
BATCH = 1000
# Letters nobody moved on: held for a moderator, or kept through a dissolution.
UNDECIDED = (LetterStatus.HELD, LetterStatus.WAITING)
# Letters whose story has ended: kept RETENTION_LETTER_DAYS after their last event.
FINISHED = (
    LetterStatus.SENT, LetterStatus.POSTED, LetterStatus.FAILED, LetterStatus.REJECTED,
    LetterStatus.CANCELLED,
)  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    """The cut-offs for one purge: rows older than these are due."""

    unconfirmed: datetime  # expired letters and pending sign-ups created before this
    finished: datetime  # finished letters whose last event is before this
    ip_hashes: datetime  # IP hashes of letters created before this
    subscribers: datetime  # former subscribers who left (and outbox addresses) before this
    held: datetime  # held or waiting letters whose last event is before this
    read_reports: datetime  # bounce reports received before this
    audit: datetime  # audit entries, and admins deactivated, before this
    sessions: datetime  # admin sessions that ended before this


def schedule(now: datetime | None = None) -> Schedule:
    now = now or utcnow()
    days = Periods.of(current_app.config)
    return Schedule(
        unconfirmed=now - timedelta(days=days.link),
        finished=now - timedelta(days=days.letter),
        ip_hashes=now - timedelta(days=days.ip),
        subscribers=now - timedelta(days=days.subscriber),
        held=now - timedelta(days=days.held),
        read_reports=now - timedelta(days=days.read_report),
        audit=now - timedelta(days=days.audit),
        sessions=now - timedelta(days=days.session),
    )


def _last_event():
    return (
        select(func.max(LetterEvent.created_at))
        .where(LetterEvent.letter_id == Letter.id)
        .scalar_subquery()
    )


def _due_letters(due: Schedule):
    """A SELECT of the ids of letters whose personal fields are due for erasure."""
    expired = (Letter.status == LetterStatus.EXPIRED) & (Letter.created_at < due.unconfirmed)
    finished = Letter.status.in_(FINISHED) & (_last_event() < due.finished)
    undecided = Letter.status.in_(UNDECIDED) & (_last_event() < due.held)
    return select(Letter.id).where(Letter.erased_at.is_(None), expired | finished | undecided)


@dataclass(frozen=True)
class Counts:
    letters: int  # letters erased (or due)
    ip_hashes: int  # IP hashes dropped (or due)
    subscribers: int = 0  # former subscribers erased (or due)


def due(now: datetime | None = None) -> Counts:
    """What the next purge would erase (counts only: the admin's view)."""
    when = schedule(now)
    letters = db.session.scalar(select(func.count()).select_from(_due_letters(when).subquery()))
    hashes = db.session.scalar(
        select(func.count()).where(Letter.ip_hash != "", Letter.created_at < when.ip_hashes)
    )
    leavers = db.session.scalar(select(func.count()).select_from(_due_subscribers(when).subquery()))
    return Counts(letters or 0, hashes or 0, leavers or 0)


def erased_so_far() -> int:
    return db.session.scalar(select(func.count()).where(Letter.erased_at.is_not(None))) or 0


def purge(now: datetime | None = None) -> Counts:
    """Erase everything the schedule says is due; returns what was erased."""
    now = now or utcnow()
    when = schedule(now)
    letters = 0
    while True:
        with write_transaction() as session:
            ids = session.scalars(_due_letters(when).limit(BATCH)).all()
            for letter in session.scalars(select(Letter).where(Letter.id.in_(ids))):
                if letter.status in UNDECIDED:  # it will never go now
                    letter.move_to(LetterStatus.CANCELLED, detail="its time was up, unsent")
                erase_letter(session, letter, now)
        letters += len(ids)
        if len(ids) < BATCH:
            break
    with write_transaction() as session:
        hashes = session.execute(
            update(Letter)
            .where(Letter.ip_hash != "", Letter.created_at < when.ip_hashes)
            .values(ip_hash=""),
            execution_options={"synchronize_session": False},
        ).rowcount
    with write_transaction() as session:
        leavers = list(session.scalars(select(Subscriber).where(
            Subscriber.id.in_(_due_subscribers(when).scalar_subquery()))))  # fmt: skip
        for subscriber in leavers:
            erase_subscriber(subscriber)
    with write_transaction() as session:
        # The address an email went to, once its time is up.
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.to_address.is_not(None), OutboxEmail.created_at < when.subscribers,
                   OutboxEmail.status.not_in((OutboxStatus.QUEUED, OutboxStatus.SENDING)))
            .values(to_address=None),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
    with write_transaction() as session:
        # Bounce reports read (their digests, and the bytes of those not
        # understood, which quote addresses).
        reports = session.execute(
            delete(ReadReport).where(ReadReport.received_at < when.read_reports),
            execution_options={"synchronize_session": False},
        ).rowcount
    with write_transaction() as session:
        # A target list's rows replaced by a new version, that no letter went to.
        session.execute(
            delete(Target).where(
                Target.retired_at.is_not(None), Target.id.not_in(select(Recipient.target_id))
            ),
            execution_options={"synchronize_session": False},
        )
    _purge_staff(when)
    pauses.forget_ended(now)
    if reports:
        log.info("privacy purge: %s bounce reports deleted", reports)
    if letters or hashes or leavers:
        log.info(
            "privacy purge: %s letters erased, %s IP hashes dropped, %s subscribers erased",
            letters, hashes, len(leavers),
        )  # fmt: skip
    return Counts(letters, hashes, len(leavers))


def _due_subscribers(due: Schedule):
    left = (
        (
            (Subscriber.status == SubscriberStatus.UNSUBSCRIBED)
            & (Subscriber.unsubscribed_at < due.subscribers)
        )
        | (
            (Subscriber.status == SubscriberStatus.SUPPRESSED)
            & (Subscriber.suppressed_at < due.subscribers)
        )
        # never confirmed, and its link has expired: perhaps not even theirs
        | (
            (Subscriber.status == SubscriberStatus.PENDING)
            & (Subscriber.created_at < due.unconfirmed)
        )
    )
    return select(Subscriber.id).where(~Subscriber.email.startswith(ERASED), left)


def erase_subscriber(subscriber: Subscriber) -> None:
    """Their address becomes a keyed hash; their postcode and place go."""
    subscriber.email = erased_key(subscriber.email)
    subscriber.postcode = None
    subscriber.constituency_id = None
    subscriber.council_code = subscriber.county_code = subscriber.ward_code = None


def purge_daily() -> int:
    """The worker's job (app/outbox/jobs.py)."""
    counts = purge()
    return counts.letters + counts.ip_hashes


def erase_letter(session, letter: Letter, now: datetime) -> None:
    """Empty a letter's personal fields, delete its moderation fingerprint, and
    empty what admins wrote in its history (a moderator's note may quote it;
    their events are the ones whose actor is an address)."""
    session.execute(delete(LetterShingle).where(LetterShingle.letter_id == letter.id))
    session.execute(
        update(LetterEvent)
        .where(LetterEvent.letter_id == letter.id, LetterEvent.actor.contains("@"))
        .values(detail=""),
        execution_options={"synchronize_session": False},
    )
    if letter.erased_at is not None:
        return
    letter.sender_email_key = erased_key(letter.sender_email_key)
    letter.sender_name = letter.sender_email = ""
    letter.address1 = letter.address2 = letter.town = letter.postcode = ""
    letter.subject = letter.body = ""
    letter.embed_url = None
    letter.ip_hash = ""
    letter.erased_at = now


def _purge_staff(when: Schedule) -> None:
    """Admins' own data: old audit entries, ended sessions, and the address of
    an admin deactivated long enough ago, wherever it was recorded."""
    with write_transaction() as session:
        session.execute(
            delete(AuditEvent).where(AuditEvent.at < when.audit),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(AdminSession).where(
                func.coalesce(AdminSession.revoked_at, AdminSession.expires_at) < when.sessions
            ),
            execution_options={"synchronize_session": False},
        )
        gone = session.scalars(
            select(AdminUser).where(
                AdminUser.deactivated_at < when.audit, ~AdminUser.email.startswith(ERASED)
            )
        )
        for admin in gone:
            erase_admin(session, admin)


def erase_admin(session, admin: AdminUser) -> None:
    address = admin.email
    key = ERASED + keyed_hash("erased-admin", address)[:40]
    for column in (AuditEvent.actor, LetterEvent.actor, Dissolution.created_by):
        session.execute(
            update(column.class_).where(column == address).values({column.key: key}),
            execution_options={"synchronize_session": False},
        )
    admin.email = key
    admin.password_hash = ""
    admin.totp_secret = None
    admin.last_login_at = None
