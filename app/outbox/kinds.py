"""The table of email kinds: how each is built, and what its outcome does.

One row per `EmailKind`. The worker (app/outbox/worker.py) looks a claimed
row's kind up here and nowhere else:

- `build(row)` returns the email, None when it no longer needs sending (its
  letter was confirmed or stopped meanwhile), or raises Unsendable (the
  recipient cannot be mailed) or Unbuildable (a site problem);
- `on_sent`, `on_failed`, `on_retry`, `on_unbuilt(row, reason)` run in the transaction
  that records the outcome. A `LetterOutcome` (app/letters/outcomes.py)
  changes the email's letter; on PostgreSQL it is joined to the outcome's
  own UPDATE as one statement;
- `bulk` kinds (alerts) are queued at BULK_PRIORITY, after every
  transactional email, and sent at ALERT_SEND_RATE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.alerts import emails as alert_emails
from app.i18n import current_language, force_locale
from app.letters import emails as letter_emails
from app.letters.outcomes import FAILED, RETRY, SENT, UNBUILT
from app.offices import digests
from app.offices import emails as office_emails
from app.outbox.health import site_problem_email
from app.outbox.mime import Email, Unbuildable
from app.outbox.models import BULK_PRIORITY, EmailKind, OutboxEmail
from app.privacy import emails as privacy_emails
from app.replies import emails as reply_emails

OnOutcome = Callable[[OutboxEmail, str | None], None]  # on_sent's reason is None
OnFailure = Callable[[OutboxEmail, str], None]  # on_failed's and on_retry's is the error


@dataclass(frozen=True)
class Kind:
    build: Callable[[OutboxEmail], Email | None]
    on_sent: OnOutcome | None = None
    on_failed: OnFailure | None = None
    on_retry: OnFailure | None = None
    on_unbuilt: OnFailure | None = None  # the site could not build it: never the person's fault
    bulk: bool = False

    @property
    def priority(self) -> int:
        return BULK_PRIORITY if self.bulk else 0


def _letter(kind: EmailKind, build: Callable[[OutboxEmail], Email | None]) -> Kind:
    """A letter's email: what its outcome does to the letter is in app/letters/outcomes.py."""
    return Kind(
        build,
        on_sent=SENT.get(kind),
        on_failed=FAILED.get(kind),
        on_retry=RETRY.get(kind),
        on_unbuilt=UNBUILT,
    )


KINDS: dict[str, Kind] = {
    EmailKind.CONFIRMATION: _letter(EmailKind.CONFIRMATION, letter_emails.confirmation),
    EmailKind.REMINDER: _letter(EmailKind.REMINDER, letter_emails.reminder),
    EmailKind.MP_LETTER: _letter(EmailKind.MP_LETTER, letter_emails.mp_letter),
    EmailKind.CONSTITUENT_COPY: _letter(EmailKind.CONSTITUENT_COPY, letter_emails.constituent_copy),
    EmailKind.DELIVERY_FAILED: _letter(EmailKind.DELIVERY_FAILED, letter_emails.delivery_failed),
    EmailKind.REJECTED: _letter(EmailKind.REJECTED, letter_emails.rejected),
    EmailKind.ALREADY_WRITTEN: _letter(EmailKind.ALREADY_WRITTEN, letter_emails.already_written),
    EmailKind.DISSOLVED: _letter(EmailKind.DISSOLVED, letter_emails.dissolved),
    EmailKind.RECONFIRM: _letter(EmailKind.RECONFIRM, letter_emails.reconfirm),
    # A permanent failure on alert mail suppresses the subscriber.
    EmailKind.SUBSCRIBE_CONFIRM: Kind(
        alert_emails.subscribe_confirm, on_failed=alert_emails.bounced
    ),
    EmailKind.ALERT: Kind(alert_emails.alert, on_failed=alert_emails.bounced, bulk=True),
    EmailKind.ALERT_TEST: Kind(alert_emails.alert_test),
    EmailKind.PREFERENCES_LINK: Kind(alert_emails.preferences_link),
    EmailKind.SITE_PROBLEM: Kind(site_problem_email),
    EmailKind.DATA_LINK: Kind(privacy_emails.data_link),
    EmailKind.DID_REPLY: Kind(reply_emails.did_reply),
    # Its outcome applies to every letter in it (app/offices/digests.py).
    EmailKind.DIGEST: Kind(
        office_emails.digest, on_sent=digests.delivered, on_failed=digests.failed
    ),
    EmailKind.OFFICE_LINK: Kind(office_emails.office_link),
}


def build_email(row: OutboxEmail) -> Email | None:
    """The email for an outbox row; None when it no longer needs sending.

    Raises Unsendable when its recipient cannot be mailed, Unbuildable when the
    site cannot build it.
    """
    kind = KINDS.get(row.kind)
    if kind is None:
        raise Unbuildable(f"no builder for email kind {row.kind!r}")
    language = reader_language(row)
    if language == current_language():  # most are: no need to switch (and switch back)
        return kind.build(row)
    with force_locale(language):
        return kind.build(row)


# To MPs' offices and the people running the site: in English.
IN_ENGLISH = frozenset({EmailKind.MP_LETTER, EmailKind.DIGEST, EmailKind.SITE_PROBLEM,
                        EmailKind.ALERT_TEST, EmailKind.OFFICE_LINK})  # fmt: skip


def reader_language(row: OutboxEmail) -> str:
    """The language its reader used the site in."""
    if row.kind in IN_ENGLISH:
        return "en"
    if row.language:
        return row.language
    if row.letter is not None:
        return row.letter.language
    subscriber = row.to_subscriber
    return subscriber.language if subscriber is not None else "en"
