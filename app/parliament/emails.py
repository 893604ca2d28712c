"""The emails of a dissolution to the writers of waiting letters: that their
letter waits for the new Parliament, and, once the new MPs are in, whether
to send it to theirs."""

from __future__ import annotations

from app.i18n import gettext
from app.letters.emails import letter_of, writer_email
from app.letters.models import LetterStatus
from app.links import external_url
from app.outbox.mime import Email
from app.outbox.models import OutboxEmail
from app.parliament.dissolution import planned, reconfirm_token


def dissolved(row: OutboxEmail) -> Email | None:
    letter = letter_of(row)
    if letter.status != LetterStatus.WAITING:
        return None
    period = planned()
    return writer_email(
        row,
        gettext("Your letter waits for the new Parliament"),
        "dissolved/body.txt",
        period=period,
    )


def reconfirm(row: OutboxEmail) -> Email | None:
    letter = letter_of(row)
    if letter.status != LetterStatus.WAITING:
        return None
    link = external_url("public.reconfirm", token=reconfirm_token(letter.id))
    return writer_email(
        row, gettext("Send your letter to your new MP?"), "reconfirm/body.txt", link=link
    )
