"""Where a letter cleared to go goes: to its MP by email, or to its writer to post.

Called once nothing holds a confirmed letter back (moderation, a
dissolution): when it is confirmed, released by a moderator, or confirmed
again for a new MP.
"""

from __future__ import annotations

from app.letters.models import Letter, LetterStatus
from app.outbox.models import EmailKind, OutboxEmail


def clear_to_go(session, letter: Letter, detail: str, actor: str = "system") -> None:
    """Queue the letter for its MP, or, by post, mark it POSTED and email its
    writer the letter to print (their copy)."""
    if letter.by_post:
        letter.move_to(LetterStatus.POSTED, detail=f"{detail}; to print and post", actor=actor)
        session.add(OutboxEmail(kind=EmailKind.CONSTITUENT_COPY, letter_id=letter.id))
    else:
        letter.move_to(LetterStatus.QUEUED, detail=detail, actor=actor)
        session.add(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id))
