"""Where a letter cleared to go goes: to its MP by email, or to its writer
to post, and to its other recipients (app/letters/recipients.py).

Called once nothing holds a confirmed letter back (moderation, a
dissolution): when it is confirmed, released by a moderator, or confirmed
again for a new MP. A dissolution holds the letter to the MP only: its
other recipients are not in Parliament.
"""

from __future__ import annotations

from collections.abc import Callable

from app.letters.models import Letter, LetterStatus, RecipientStatus
from app.outbox.models import EmailKind, OutboxEmail

# What may make a confirmed letter wait, declared by the feature that knows
# (app/parliament/outbox.py: a dissolution, while there are no MPs). Each
# takes the letter (moves it to WAITING, in the caller's transaction) and
# says True, or leaves it and says False.
Wait = Callable[[object, Letter, str], bool]
WAITS: dict[str, Wait] = {}


def declare_wait(name: str, wait: Wait) -> None:
    WAITS[name] = wait


def made_to_wait(session, letter: Letter, detail: str) -> bool:
    """Whether something declared made the letter wait."""
    return any(wait(session, letter, detail) for wait in WAITS.values())


def send_on(
    session, letter: Letter, detail: str, actor: str = "system", *, may_wait: bool = True
) -> None:
    """Nothing holds the confirmed letter back any more (moderation): its
    other recipients' emails are queued, and its MP's, unless something
    declared makes the MP's wait (`may_wait`)."""
    if letter.recipient_count:
        release_recipients(session, letter, detail, actor)
    if letter.to_mp and not (may_wait and made_to_wait(session, letter, detail)):
        clear_to_go(session, letter, detail, actor)


def release_recipients(session, letter: Letter, detail: str, actor: str = "system") -> None:
    """The letter is cleared to go: each waiting recipient's email is queued
    (or, with no address, it is for the writer to post). A letter not to its
    MP moves on here, as one to its MP does when queued for it."""
    waiting = [r for r in letter.recipients if r.status == RecipientStatus.WAITING]
    for recipient in waiting:
        if recipient.email:
            recipient.status = RecipientStatus.QUEUED
            session.add(OutboxEmail(
                kind=EmailKind.TO_RECIPIENT, letter_id=letter.id, recipient=recipient,
            ))  # fmt: skip
        else:
            recipient.status = RecipientStatus.POSTED
    if letter.to_mp or not waiting:
        return
    if any(r.status == RecipientStatus.QUEUED for r in waiting):
        letter.move_to(LetterStatus.QUEUED, detail=detail, actor=actor)
    else:  # no one to email: the writer prints it for each
        letter.move_to(LetterStatus.POSTED, detail=f"{detail}; to print and post", actor=actor)
        session.add(OutboxEmail(kind=EmailKind.CONSTITUENT_COPY, letter_id=letter.id))


def clear_to_go(session, letter: Letter, detail: str, actor: str = "system") -> None:
    """Queue the letter for its MP, or, by post, mark it POSTED and email its
    writer the letter to print (their copy)."""
    if letter.by_post:
        letter.move_to(LetterStatus.POSTED, detail=f"{detail}; to print and post", actor=actor)
        session.add(OutboxEmail(kind=EmailKind.CONSTITUENT_COPY, letter_id=letter.id))
    else:
        letter.move_to(LetterStatus.QUEUED, detail=detail, actor=actor)
        session.add(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id))
