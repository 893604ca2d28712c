"""Where a letter cleared to go goes: to its MP by email, or to its writer to post.

Called once nothing holds a confirmed letter back (moderation, a
dissolution): when it is confirmed, released by a moderator, or confirmed
again for a new MP.
"""

from __future__ import annotations

from collections.abc import Callable

from app.letters.models import Letter, LetterStatus
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


def clear_to_go(session, letter: Letter, detail: str, actor: str = "system") -> None:
    """Queue the letter for its MP, or, by post, mark it POSTED and email its
    writer the letter to print (their copy)."""
    if letter.by_post:
        letter.move_to(LetterStatus.POSTED, detail=f"{detail}; to print and post", actor=actor)
        session.add(OutboxEmail(kind=EmailKind.CONSTITUENT_COPY, letter_id=letter.id))
    else:
        letter.move_to(LetterStatus.QUEUED, detail=detail, actor=actor)
        session.add(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id))
