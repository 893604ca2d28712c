"""What the campaign team does with letters: find them, read them (recorded), resend,
cancel, or mark delivered by hand. Every action is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import (
    IllegalTransition,
    Letter,
    LetterStatus,
    Recipient,
    RecipientStatus,
)
from app.outbox.models import EmailKind, OutboxEmail
from app.reference.models import MP
from app.text import normalise_email

PAGE = 50


class ActionRefused(Exception):
    """The letter's state does not allow this action; the message says why."""


@dataclass
class LetterFilter:
    campaign_id: int | None = None
    status: str | None = None
    constituency_id: int | None = None
    partner_id: int | None = None
    source: str | None = None
    written_from: date | None = None
    written_to: date | None = None
    text: str = ""


def search(
    filters: LetterFilter, *, before_id: int | None = None, personal: bool = False
) -> list[Letter]:
    """A page of letters, newest first; `before_id` continues from the last page."""
    query = select(Letter).options(
        joinedload(Letter.campaign), joinedload(Letter.constituency), joinedload(Letter.partner)
    )
    exact = {
        Letter.campaign_id: filters.campaign_id,
        Letter.status: filters.status,
        Letter.constituency_id: filters.constituency_id,
        Letter.partner_id: filters.partner_id,
        Letter.source: filters.source,
    }
    for column, value in exact.items():
        if value:
            query = query.where(column == value)
    if filters.written_from:
        query = query.where(Letter.created_at >= datetime.combine(filters.written_from, time.min))
    if filters.written_to:
        query = query.where(
            Letter.created_at < datetime.combine(filters.written_to + timedelta(days=1), time.min)
        )
    text = filters.text.strip()
    if text:
        query = query.where(_text_match(text, personal))
    if before_id:
        query = query.where(Letter.id < before_id)
    return list(db.session.scalars(query.order_by(Letter.id.desc()).limit(PAGE)))


def _text_match(text: str, personal: bool):
    """A letter number, its reference, a sender's address (admins only), a name or subject."""
    if text.isdigit():
        return Letter.id == int(text)
    if "@" in text:
        return Letter.sender_email_key == normalise_email(text) if personal else Letter.id.is_(None)
    like = f"%{text}%"
    return or_(Letter.public_id == text, Letter.sender_name.ilike(like), Letter.subject.ilike(like))


def get_letter(letter_id: int) -> Letter | None:
    return db.session.get(Letter, letter_id)


def record_body_viewed(admin, letter: Letter) -> None:
    with write_transaction():
        audit.record(admin, "letter.body_viewed", "letter", letter.id)


def record_bodies_viewed(admin, letter_ids: list[int]) -> None:
    """One entry for a page that shows several letters (the moderation queue)."""
    if letter_ids:
        shown = ", ".join(str(i) for i in sorted(set(letter_ids)))
        with write_transaction():
            audit.record(admin, "letters.bodies_viewed", "letters", "", shown)


def _change(admin, letter_id: int, action: str, change) -> Letter:
    try:
        with write_transaction() as session:
            letter = session.scalar(select(Letter).where(Letter.id == letter_id).with_for_update())
            if letter is None:
                raise ActionRefused("There is no such letter.")
            change(session, letter)
            audit.record(admin, action, "letter", letter.id)
    except IllegalTransition as exc:
        raise ActionRefused(
            f"A letter that is {letter.status} cannot be changed that way."
        ) from exc
    except IntegrityError as exc:
        raise ActionRefused(
            "This constituent has since written another letter in this campaign."
        ) from exc
    return letter


def resend(admin, letter_id: int) -> Letter:
    """Deliver a sent, failed or cancelled letter (again)."""

    def change(session, letter):
        missed = _recipients_in(
            letter, RecipientStatus.FAILED, RecipientStatus.CANCELLED, RecipientStatus.HELD
        )
        if not letter.to_mp and not missed:
            raise ActionRefused(
                "Everyone this letter was written to has had it: nothing to resend."
            )
        letter.move_to(LetterStatus.QUEUED, detail="resent by an admin", actor=admin.email)
        # Out of any daily digest that carried it (app/offices/): the next
        # gathers it again, or it goes on its own.
        letter.digest_outbox_id = None
        if letter.to_mp:
            session.add(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id))
        for recipient in missed:  # and to its other recipients it did not reach
            recipient.status, recipient.digest_outbox_id = RecipientStatus.QUEUED, None
            session.add(OutboxEmail(kind=EmailKind.TO_RECIPIENT, letter_id=letter.id,
                                    recipient=recipient))  # fmt: skip

    return _change(admin, letter_id, "letter.resent", change)


def send_to_the_held(admin, letter_id: int) -> Letter:
    """Send again to the letter's recipients held after refusals for the
    site's reasons (app/letters/site_refusals.py), once the admin has mended
    what the servers refused (a blocklisting, the DNS records). The letter
    itself, and its MP, are left as they are."""

    def change(session, letter):
        held = _recipients_in(letter, RecipientStatus.HELD)
        if not held:
            raise ActionRefused("No recipient of this letter is held: nothing to send.")
        for recipient in held:
            recipient.status, recipient.failure = RecipientStatus.QUEUED, None
            # On its own, or, if its office chose its daily digest, in the next
            # (the email of its own is then skipped: app/offices/emails.py).
            session.add(OutboxEmail(kind=EmailKind.TO_RECIPIENT, letter_id=letter.id,
                                    recipient=recipient))  # fmt: skip
            letter.log(f"sent again to {recipient.name} by an admin", actor=admin.email)

    return _change(admin, letter_id, "letter.held_sent", change)


def _recipients_in(letter: Letter, *states: RecipientStatus) -> list[Recipient]:
    """The letter's other recipients in these states (none read for a letter
    to its MP alone)."""
    return [r for r in (letter.recipients if letter.recipient_count else ()) if r.status in states]


def cancel(admin, letter_id: int) -> Letter:
    """Stop a letter that has not been delivered."""

    def change(_session, letter):
        letter.move_to(LetterStatus.CANCELLED, detail="cancelled by an admin", actor=admin.email)

    return _change(admin, letter_id, "letter.cancelled", change)


def mark_delivered(admin, letter_id: int) -> Letter:
    """Record a letter as delivered by other means (posted, handed over)."""

    def change(_session, letter):
        letter.move_to(LetterStatus.SENT, detail="marked delivered by hand", actor=admin.email)
        letter.sent_at = utcnow()

    return _change(admin, letter_id, "letter.marked_delivered", change)


@dataclass(frozen=True)
class Failing:
    mp: MP
    failed: int
    last_failure: datetime | None


def failing() -> list[Failing]:
    """MPs whose letters have failed to deliver, most failures first."""
    rows = db.session.execute(
        select(Letter.mp_id, func.count(), func.max(Letter.created_at))
        .where(Letter.status == LetterStatus.FAILED, Letter.to_mp.is_(True))
        .group_by(Letter.mp_id)
        .order_by(func.count().desc())
    ).all()
    mps = {
        mp.id: mp
        for mp in db.session.scalars(
            select(MP).options(joinedload(MP.constituency)).where(MP.id.in_([r[0] for r in rows]))
        )
    }
    return [Failing(mps[mp_id], n, last) for mp_id, n, last in rows if mp_id in mps]
