"""The letters' emails and periodic jobs, as the outbox runs them."""

from __future__ import annotations

from app.letters import emails
from app.letters.outcomes import FAILED, RETRY, SENT, UNBUILT
from app.letters.submission import expire_unconfirmed, send_reminders
from app.outbox import jobs, kinds
from app.outbox.models import EmailKind

BUILDERS = {
    EmailKind.CONFIRMATION: emails.confirmation,
    EmailKind.REMINDER: emails.reminder,
    EmailKind.MP_LETTER: emails.mp_letter,
    EmailKind.CONSTITUENT_COPY: emails.constituent_copy,
    EmailKind.DELIVERY_FAILED: emails.delivery_failed,
    EmailKind.REJECTED: emails.rejected,
    EmailKind.ALREADY_WRITTEN: emails.already_written,
    EmailKind.DISSOLVED: emails.dissolved,
    EmailKind.RECONFIRM: emails.reconfirm,
}


def register() -> None:
    # What each email's outcome does to its letter is in app/letters/outcomes.py.
    for kind, build in BUILDERS.items():
        kinds.declare(kind, kinds.Kind(
            build, on_sent=SENT.get(kind), on_failed=FAILED.get(kind), on_retry=RETRY.get(kind),
            on_unbuilt=UNBUILT, in_english=kind == EmailKind.MP_LETTER,
        ))  # fmt: skip
    jobs.declare(send_reminders, 60)
    jobs.declare(expire_unconfirmed, 60)
