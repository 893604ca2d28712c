"""What the campaign team does with letters: find them, read them (recorded), resend,
cancel, or mark delivered by hand. Every action is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import IllegalTransition, Message, MessageStatus
from app.outbox.models import EmailKind, OutboxEmail

PAGE = 50


class ActionRefused(Exception):
    """The letter's state does not allow this action; the message says why."""


@dataclass
class MessageFilter:
    campaign_id: int | None = None
    status: str | None = None
    constituency_id: int | None = None
    partner_id: int | None = None
    source: str | None = None
    written_from: date | None = None
    written_to: date | None = None
    text: str = ""


def search(
    filters: MessageFilter, *, before_id: int | None = None, personal: bool = False
) -> list[Message]:
    """A page of letters, newest first; `before_id` continues from the last page."""
    query = select(Message).options(
        joinedload(Message.campaign), joinedload(Message.constituency), joinedload(Message.partner)
    )
    exact = {
        Message.campaign_id: filters.campaign_id,
        Message.status: filters.status,
        Message.constituency_id: filters.constituency_id,
        Message.partner_id: filters.partner_id,
        Message.source: filters.source,
    }
    for column, value in exact.items():
        if value:
            query = query.where(column == value)
    if filters.written_from:
        query = query.where(Message.created_at >= datetime.combine(filters.written_from, time.min))
    if filters.written_to:
        query = query.where(
            Message.created_at < datetime.combine(filters.written_to + timedelta(days=1), time.min)
        )
    text = filters.text.strip()
    if text:
        query = query.where(_text_match(text, personal))
    if before_id:
        query = query.where(Message.id < before_id)
    return list(db.session.scalars(query.order_by(Message.id.desc()).limit(PAGE)))


def _text_match(text: str, personal: bool):
    """A letter number, its reference, a sender's address (admins only), a name or subject."""
    if text.isdigit():
        return Message.id == int(text)
    if "@" in text:
        return Message.sender_email_key == text.lower() if personal else Message.id.is_(None)
    like = f"%{text}%"
    return or_(
        Message.public_id == text, Message.sender_name.ilike(like), Message.subject.ilike(like)
    )


def get_message(message_id: int) -> Message | None:
    return db.session.get(Message, message_id)


def record_body_viewed(admin, message: Message) -> None:
    with write_transaction():
        audit.record(admin, "message.body_viewed", "message", message.id)


def _change(admin, message_id: int, action: str, change) -> Message:
    try:
        with write_transaction() as session:
            message = session.scalar(
                select(Message).where(Message.id == message_id).with_for_update()
            )
            if message is None:
                raise ActionRefused("There is no such letter.")
            change(session, message)
            audit.record(admin, action, "message", message.id)
    except IllegalTransition as exc:
        raise ActionRefused(
            f"A letter that is {message.status} cannot be changed that way."
        ) from exc
    except IntegrityError as exc:
        raise ActionRefused(
            "This constituent has since written another letter in this campaign."
        ) from exc
    return message


def resend(admin, message_id: int) -> Message:
    """Deliver a sent, failed or cancelled letter (again)."""

    def change(session, message):
        message.move_to(MessageStatus.QUEUED, detail="resent by an admin", actor=admin.email)
        session.add(OutboxEmail(kind=EmailKind.MP_LETTER, message_id=message.id))

    return _change(admin, message_id, "message.resent", change)


def cancel(admin, message_id: int) -> Message:
    """Stop a letter that has not been delivered."""

    def change(_session, message):
        message.move_to(MessageStatus.CANCELLED, detail="cancelled by an admin", actor=admin.email)

    return _change(admin, message_id, "message.cancelled", change)


def mark_delivered(admin, message_id: int) -> Message:
    """Record a letter as delivered by other means (posted, handed over)."""

    def change(_session, message):
        message.move_to(MessageStatus.SENT, detail="marked delivered by hand", actor=admin.email)
        message.sent_at = utcnow()

    return _change(admin, message_id, "message.marked_delivered", change)
