"""The letters' emails and periodic jobs, as the outbox runs them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.letters import emails, recipients
from app.letters.models import Letter, Recipient
from app.letters.outcomes import FAILED, RECIPIENT_SENT, RETRY, SENT, UNBUILT
from app.letters.submission import expire_unconfirmed, send_reminders
from app.letters.webhooks import letter_data
from app.outbox import jobs, kinds
from app.outbox.kinds import Addressee
from app.outbox.models import EmailKind, OutboxEmail
from app.webhooks.delivery import declare_event
from app.webhooks.models import Event

BUILDERS = {
    EmailKind.CONFIRMATION: emails.confirmation,
    EmailKind.REMINDER: emails.reminder,
    EmailKind.CONSTITUENT_COPY: emails.constituent_copy,
    EmailKind.DELIVERY_FAILED: emails.delivery_failed,
    EmailKind.REJECTED: emails.rejected,
    EmailKind.ALREADY_WRITTEN: emails.already_written,
}


def to_writer(row: OutboxEmail) -> Addressee | None:
    """A letter's email to the person who wrote it, in the language they wrote in."""
    letter = row.letter
    return Addressee(letter.sender_email, letter.language) if letter is not None else None


def to_office(row: OutboxEmail) -> Addressee | None:
    """A letter's email to its MP's office, in English."""
    letter = row.letter
    return Addressee(letter.mp.email or "", "en") if letter is not None else None


def loading(alerts: bool | None) -> list:
    """A letter's email is built from its letter, MP, campaign and
    constituency (and a recipient's from its recipient), joined in the
    claim's one query (four more SELECT ... IN queries cost the worker more
    CPU a row than the joins do: docs/performance.md). A claim of alert mail
    only needs none of it."""
    if alerts:
        return []
    letter = joinedload(OutboxEmail.letter)
    return [
        letter.joinedload(Letter.mp),
        letter.joinedload(Letter.campaign),
        letter.joinedload(Letter.constituency),
        # A recipient's email (app/letters/recipients.py): its own row, not a
        # SELECT each.
        joinedload(OutboxEmail.recipient),
    ]


def load_recipients(rows: list[OutboxEmail]) -> None:
    """The names every email of a letter to several people gives
    (`addressed_to`), in one SELECT ... IN for the claim, for the letters
    that have any. (A selectinload gave every other letter an empty list
    too, a fifth of loading a claimed row: docs/performance.md.) A letter
    with none keeps its collection unloaded; code reads it only behind
    `recipient_count`."""
    with_letters = [row.letter for row in rows if row.letter_id is not None]  # not an alert's
    letters = {letter.id: letter for letter in with_letters
               if letter is not None and letter.recipient_count}  # fmt: skip
    if not letters:
        return
    found: dict[int, list[Recipient]] = {letter_id: [] for letter_id in letters}
    for recipient in db.session.scalars(
        select(Recipient).where(Recipient.letter_id.in_(letters)).order_by(Recipient.position)
    ):
        found[recipient.letter_id].append(recipient)
    for letter_id, letter in letters.items():
        set_committed_value(letter, "recipients", found[letter_id])


def declare_letter_kind(kind: EmailKind, build, *, addressee=to_writer, in_english=False) -> None:
    """Declare an email of a letter, with what its outcome does to the letter
    (app/letters/outcomes.py): for the letters' own kinds and those other
    features send about a letter (the offices', parliament's)."""
    kinds.declare(kind, kinds.Kind(
        build, addressee=addressee, on_sent=SENT.get(kind), on_failed=FAILED.get(kind),
        on_retry=RETRY.get(kind), on_unbuilt=UNBUILT, in_english=in_english,
    ))  # fmt: skip


def to_recipient(row: OutboxEmail) -> Addressee | None:
    """A letter to one of its other recipients, in English (an office)."""
    recipient = row.recipient
    return Addressee(recipient.email or "", "en") if recipient is not None else None


def declare_recipient_kind(kind: EmailKind, build, **outcomes) -> None:
    """Declare an email to one of a letter's other recipients' offices, with
    what its outcome does to the recipient (app/letters/recipients.py): the
    offices' letter to a target, its digest."""
    defaults = {"on_sent": RECIPIENT_SENT, "on_failed": recipients.on_failed,
                "on_retry": recipients.on_retry, "on_unbuilt": recipients.on_unbuilt,
                "on_report": recipients.on_report}  # fmt: skip
    kinds.declare(kind, kinds.Kind(
        build, addressee=to_recipient, in_english=True, **{**defaults, **outcomes}
    ))  # fmt: skip


def register() -> None:
    # The letters to the MP and to other recipients are the offices'
    # (app/offices/outbox.py).
    for kind, build in BUILDERS.items():
        declare_letter_kind(kind, build)
    declare_letter_kind(EmailKind.RECIPIENT_FAILED, recipients.recipient_failed)
    for event in (Event.LETTER_CONFIRMED, Event.LETTER_DELIVERED, Event.LETTER_FAILED):
        declare_event(event, letter_data)
    kinds.declare_loading(loading, then=load_recipients)
    jobs.declare(send_reminders, 60)
    jobs.declare(expire_unconfirmed, 60)
