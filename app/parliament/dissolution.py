"""Dissolution: from the day Parliament is dissolved until an admin says the
new MPs are loaded, no letter goes to an MP.

- A letter confirmed meanwhile, or confirmed before and still waiting to be
  sent, moves to WAITING, and its writer is told why and until when.
- Ending the dissolution (after `flask data load` brought the new MPs) asks
  each waiting letter's writer to confirm again: only then does it go, to
  the constituency's MP of the day. A letter nobody reconfirms never goes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select

from app.accounts import audit
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.routing import clear_to_go
from app.outbox.claim_facts import once_per_claim
from app.outbox.models import EmailKind, OutboxEmail
from app.parliament.models import Dissolution
from app.reference.representatives import seat_by_constituency_id
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id


class DissolutionInvalid(Exception):
    """The dates do not make a dissolution."""


_IN_FORCE = (
    select(Dissolution.id)
    .where(Dissolution.ended_at.is_(None), Dissolution.dissolved_on <= bindparam("today"))
    .limit(1)
)


def in_force(session=None) -> bool:
    """Whether Parliament is dissolved today: a prebuilt statement on the
    session's connection, a fifth of the cost of loading the Dissolution
    through the ORM."""
    session = session or db.session
    return session.connection().execute(_IN_FORCE, {"today": utcnow().date()}).first() is not None


@once_per_claim
def holds_letters() -> bool:
    """Whether Parliament is dissolved, as the worker asks for each letter to
    an MP it builds: once per claim (app/outbox/claim_facts.py)."""
    return in_force()


def planned() -> Dissolution | None:
    """The dissolution set and not ended (in force, or from a later day)."""
    return db.session.scalar(
        select(Dissolution).where(Dissolution.ended_at.is_(None)).order_by(Dissolution.id.desc())
    )


def current() -> Dissolution | None:
    """The dissolution in force today, if any: what the public pages tell writers."""
    found = planned()
    return found if found is not None and found.dissolved_on <= utcnow().date() else None


def dissolve(admin, dissolved_on: date, election_on: date) -> Dissolution:
    if election_on <= dissolved_on:
        raise DissolutionInvalid("Polling day must come after the day Parliament is dissolved.")
    if planned() is not None:
        raise DissolutionInvalid("A dissolution is already set: end it first.")
    with write_transaction() as session:
        period = Dissolution(dissolved_on=dissolved_on, election_on=election_on,
                             created_by=admin.email)  # fmt: skip
        session.add(period)
        session.flush()
        audit.record(admin, "parliament.dissolved", "dissolution", period.id,
                     f"from {dissolved_on} to polling day {election_on}")  # fmt: skip
    hold_queued()
    return period


def hold_queued() -> int:
    """Letters confirmed and not yet sent wait, once the dissolution is in force.
    (The worker runs this every minute: it takes no write lock when there is
    no dissolution.)"""
    dissolved = in_force()
    db.session.rollback()  # end the read: a write transaction follows, or nothing
    if not dissolved:
        return 0
    with write_transaction() as session:
        # Letters to their MPs: a letter only to others (app/targets/) goes on.
        letters = session.scalars(
            select(Letter).where(Letter.status == LetterStatus.QUEUED, Letter.to_mp.is_(True))
        ).all()
        for letter in letters:
            wait(session, letter)
    return len(letters)


def wait_if_dissolved(session, letter: Letter, detail: str) -> bool:
    """A confirmed letter's way on (app/letters/routing.py): while Parliament
    is dissolved it waits for the new MP."""
    if not in_force(session):
        return False
    wait(session, letter, f"{detail}; Parliament is dissolved")
    return True


def wait(session, letter: Letter, detail: str = "Parliament is dissolved") -> None:
    """Move a confirmed letter to WAITING and tell its writer (its MP email, if
    queued, is skipped: the worker sends only QUEUED letters)."""
    letter.move_to(LetterStatus.WAITING, detail=f"{detail}: waiting for the new MP")
    session.add(OutboxEmail(kind=EmailKind.DISSOLVED, letter_id=letter.id))


def end(admin) -> int:
    """The new MPs are loaded: ask every waiting letter's writer to confirm
    it for their new MP. How many were asked."""
    with write_transaction() as session:
        period = session.scalar(select(Dissolution).where(Dissolution.ended_at.is_(None)))
        if period is None:
            raise DissolutionInvalid("No dissolution is set.")
        period.ended_at = utcnow()
        waiting = session.scalars(
            select(Letter.id).where(Letter.status == LetterStatus.WAITING, Letter.to_mp.is_(True))
        )
        asked = 0
        for letter_id in waiting:
            session.add(OutboxEmail(kind=EmailKind.RECONFIRM, letter_id=letter_id))
            asked += 1
        audit.record(admin, "parliament.ended", "dissolution", period.id,
                     f"{asked} waiting letters asked to confirm again")  # fmt: skip
    return asked


def reconfirm_token(letter_id: int) -> str:
    return sign_id(Purpose.RECONFIRM, letter_id)


def waiting_letter(token: str) -> Letter | None:
    """The waiting letter a reconfirmation link is for, or None."""
    try:
        letter_id = unsign_id(Purpose.RECONFIRM, token)
    except InvalidToken:
        return None
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.status != LetterStatus.WAITING or letter.erased_at is not None:
        return None
    return letter


class NoMPYet(Exception):
    """The constituency still has no MP who can be emailed."""


def send_to_new_mp(letter_id: int) -> Letter:
    """The writer confirmed again: the letter goes to their constituency's MP now."""
    with write_transaction() as session:
        letter = session.get_one(Letter, letter_id)
        if letter.status != LetterStatus.WAITING or not letter.to_mp:
            return letter  # confirmed twice (once is enough), or not the MP's
        if in_force(session):
            raise NoMPYet("Parliament is still dissolved.")
        seat = seat_by_constituency_id(letter.constituency_id)
        if seat is None or seat.mp.vacant:
            raise NoMPYet("Your constituency has no MP yet.")
        before = letter.mp.name
        letter.mp_id = seat.mp.id
        letter.by_post = not seat.can_email  # a new MP we cannot email: the writer posts it
        clear_to_go(session, letter, f"confirmed again for the new MP ({before} before)")
    return letter


def withdraw(letter_id: int) -> None:
    """The writer would rather write afresh to the new MP: this letter never goes."""
    with write_transaction() as session:
        letter = session.get_one(Letter, letter_id)
        if letter.status == LetterStatus.WAITING:
            letter.move_to(
                LetterStatus.CANCELLED, detail="withdrawn by the writer after the dissolution"
            )
