"""MPs' offices' emails and the digests' job, as the outbox runs them."""

from __future__ import annotations

from app.letters.outbox import declare_letter_kind, declare_recipient_kind, to_office, to_recipient
from app.offices import digests, emails, targets
from app.outbox import jobs, kinds
from app.outbox.models import EmailKind


def register() -> None:
    # Each letter to its MP's office; what its outcome does to the letter is
    # the letters' (app/letters/outcomes.py).
    declare_letter_kind(EmailKind.MP_LETTER, emails.mp_letter, addressee=to_office, in_english=True)
    # A digest's outcome applies to every letter in it (app/offices/digests.py).
    kinds.declare(EmailKind.DIGEST, kinds.Kind(
        emails.digest, addressee=to_office, on_sent=digests.delivered, on_failed=digests.failed,
        in_english=True,
    ))  # fmt: skip
    kinds.declare(EmailKind.OFFICE_LINK,
                  kinds.Kind(emails.office_link, addressee=to_office, in_english=True))  # fmt: skip
    jobs.declare(digests.send_digests, 300)  # the daily digests offices chose
    # Each letter to another recipient's office, and the digest of those that
    # chose one: their outcomes are the recipient's (app/letters/recipients.py);
    # a digest's apply to each recipient in it (app/offices/targets.py).
    declare_recipient_kind(EmailKind.TO_RECIPIENT, emails.to_target)
    declare_recipient_kind(
        EmailKind.TARGET_DIGEST, emails.target_digest, on_sent=targets.delivered,
        on_failed=targets.failed, on_retry=None, on_unbuilt=targets.unbuilt,
        on_report=targets.on_report,
    )  # fmt: skip
    kinds.declare(EmailKind.TARGET_OFFICE_LINK,
                  kinds.Kind(emails.target_office_link, addressee=to_recipient,
                             in_english=True))  # fmt: skip
    jobs.declare(targets.send_target_digests, 300)  # the daily digests targets' offices chose
