"""Your data, on request: a signed link by email, then a download of
everything held about an address, or its deletion.

The link goes only to the address itself, so only the holder of the inbox
can use it; the request page answers the same whether or not the address is
known. Downloads and deletions are audited with counts, never the address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.accounts import audit
from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.db import utcnow, write_transaction
from app.extensions import db
from app.i18n import current_language
from app.letters.models import Letter, LetterStatus
from app.outbox.caps import within_cap
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.privacy.retention import erase_letter, erase_subscriber
from app.replies.models import ReplyQuestion
from app.text import normalise_email
from app.tokens import InvalidToken, Purpose, seal, unseal, unsign
from app.webhooks.announcing import announce
from app.webhooks.models import Event

LINK_HOURS = 24


def request_link(address: str) -> None:
    """Queue the signed link to `address` (whatever it holds: no oracle),
    unless it has had its share of such emails today (app/outbox/caps.py)."""
    if not within_cap(address):
        return
    with write_transaction() as session:
        session.add(OutboxEmail(kind=EmailKind.DATA_LINK, to_address=normalise_email(address),
                                language=current_language()))  # fmt: skip


def link_token(address: str) -> str:
    """Opaque: the address is sealed, so the link shows nothing of it in a
    browser's history or a proxy's log."""
    return seal(Purpose.YOUR_DATA, {"e": normalise_email(address)})


def address_for(token: str) -> str:
    """The address a link was sent to; InvalidToken if forged or too old."""
    try:
        payload = unseal(Purpose.YOUR_DATA, token, LINK_HOURS * 3600)
    except InvalidToken:
        # A link sent before links were sealed (signed only), within its hours.
        payload = unsign(Purpose.YOUR_DATA, token, LINK_HOURS * 3600)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise InvalidToken("not a data link")
    return payload["e"]


def _letters(key: str) -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.sender_email_key == key)))


def _subscriber(key: str) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.email == key))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _reply_answer(letter_id: int) -> dict | None:
    question = db.session.scalar(select(ReplyQuestion).where(ReplyQuestion.letter_id == letter_id))
    if question is None:
        return None
    return {
        "asked_at": _when(question.last_asked_at),
        "answer": question.answer,
        "answered_at": _when(question.answered_at),
        "first_time_writing": question.first_time,
    }


def export(address: str) -> dict[str, Any]:
    """Everything held about `address`, as JSON-ready data."""
    key = normalise_email(address)
    subscriber = _subscriber(key)
    data: dict[str, Any] = {
        "email": key,
        "exported_at": utcnow().isoformat(),
        "letters": [
            {
                "campaign": letter.campaign.title,
                "to": f"{letter.mp.name}, MP for {letter.constituency.local_name}"
                if letter.to_mp
                else None,
                "also_to": [
                    {
                        "name": r.name,
                        "role": r.role,
                        "body": r.body,
                        "status": r.status,
                        "did_they_reply": r.answer,
                    }
                    for r in letter.recipients
                ],
                "status": letter.status,
                "written_at": _when(letter.created_at),
                "confirmed_at": _when(letter.confirmed_at),
                "sent_at": _when(letter.sent_at),
                "name": letter.sender_name,
                "address": [letter.address1, letter.address2, letter.town, letter.postcode],
                "subject": letter.subject,
                "body": letter.body,
                "history": [
                    {"at": _when(e.created_at), "status": e.to_status, "detail": e.detail}
                    for e in letter.events
                ],
                "did_your_mp_reply": _reply_answer(letter.id),
            }
            for letter in _letters(key)
        ],
        "alerts": None,
    }
    if subscriber is not None:
        consents = db.session.scalars(
            select(Consent).where(Consent.subscriber_id == subscriber.id)
        ).all()
        data["alerts"] = {
            "status": subscriber.status,
            "postcode": subscriber.postcode,
            "signed_up_at": _when(subscriber.created_at),
            "consents": [
                {"at": _when(c.given_at), "source": c.source, "wording": c.wording}
                for c in consents
            ],
        }
    with write_transaction():
        audit.record(
            None,
            "privacy.data_downloaded",
            "person",
            "",
            f"{len(data['letters'])} letters, {1 if subscriber else 0} subscriptions",
        )
    return data


def erase(address: str) -> tuple[int, int]:
    """Delete what is held about `address`: pending letters are cancelled, every
    letter's personal fields erased (counts kept), a subscription ended and its
    address replaced by a keyed hash. Returns (letters, subscriptions)."""
    key = normalise_email(address)
    now = utcnow()
    with write_transaction() as session:
        letters = list(session.scalars(select(Letter).where(Letter.sender_email_key == key)))
        for letter in letters:
            if letter.status in (LetterStatus.PENDING, LetterStatus.HELD, LetterStatus.QUEUED,
                                 LetterStatus.WAITING):  # fmt: skip
                letter.move_to(LetterStatus.CANCELLED, detail="deleted at the writer's request")
            erase_letter(session, letter, now)
        # The address on emails already sent to it (a data link, an alert):
        # only the ones still to go keep it, to go.
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.to_address == key,
                   OutboxEmail.status.not_in((OutboxStatus.QUEUED, OutboxStatus.SENDING)))
            .values(to_address=None),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == key))
        if subscriber is not None:
            if subscriber.status == SubscriberStatus.CONFIRMED:
                # The organisation's CRM may hold their address: it is told
                # to forget them (the call names them by id only: app/alerts/webhooks.py).
                announce(session, Event.PERSON_UNSUBSCRIBED, subscriber_id=subscriber.id)
            subscriber.status = SubscriberStatus.UNSUBSCRIBED
            subscriber.unsubscribed_at = now
            erase_subscriber(subscriber)
        audit.record(
            None,
            "privacy.data_deleted",
            "person",
            "",
            f"{len(letters)} letters, {1 if subscriber else 0} subscriptions",
        )
    return len(letters), 1 if subscriber else 0
