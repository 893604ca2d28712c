"""A letter's recipients besides its MP (app/targets/): each gets its own
email, From the site and Reply-To the writer, and its own outcome.

    WAITING -> (the letter is cleared to go) QUEUED, or POSTED without an email address
    QUEUED -> SENT (its server took it) | FAILED (refused, or a bounce later)
    SENT -> QUEUED (a bounce report refused it for the site's reasons: it goes
            again after a pause) | HELD (the third such refusal: an admin
            sends it again, app/letters/back_office.py)

A recipient's failure fails that recipient only and tells the writer which
one. A letter not to its MP (`to_mp` false) follows its recipients: SENT
(and its writer's copy) once the first accepts it, FAILED once every one
has failed.
"""

from __future__ import annotations

from datetime import timedelta

from app.db import utcnow
from app.extensions import db
from app.i18n import gettext
from app.letters import site_refusals
from app.letters.emails import (
    letter_of,
    writer_email,
)
from app.letters.models import STILL_TO_GO, Letter, LetterStatus, Recipient, RecipientStatus
from app.outbox.mime import Email
from app.outbox.models import EmailKind, OutboxEmail
from app.outbox.verdicts import BounceType
from app.targets.lists import mark_bounced


def recipient_of(row: OutboxEmail) -> Recipient:
    recipient = row.recipient
    assert recipient is not None, f"outbox row {row.id} names no recipient"
    return recipient


SALUTATIONS = ("dear ", "annwyl ", "hello ", "hi ", "to ")


def addressed(body: str, name: str, opening: str | None = None) -> str:
    """The letter with its greeting to `name`: one letter goes to several
    people, so "Dear <whoever the page suggested>," is readdressed to each,
    and one without a greeting gets one. A campaign's `opening` for the
    recipient's stance comes after the greeting, before the writer's words."""
    first, _, rest = body.partition("\n")
    if first.lower().startswith(SALUTATIONS) and len(first) <= 120:
        body = rest.lstrip("\n")
    lead = f"Dear {name},\n\n" + (f"{opening}\n\n" if opening else "")
    return lead + body


def recipient_failed(row: OutboxEmail) -> Email:
    """To the writer: one of the letter's recipients did not get it."""
    recipient = recipient_of(row)
    return writer_email(
        row,
        gettext("We could not deliver your letter to %(name)s", name=recipient.name),
        "recipient_failed/body.txt",
        recipient=recipient,
    )


# The outcomes, as the worker and the bounce handler run them (in their
# transaction, on db.session). A recipient's email taken is the worker's
# hot path, so it is statements built once: app/letters/outcomes.py's
# RECIPIENT_SENT.


def on_failed(row: OutboxEmail, reason: str) -> None:
    fail(recipient_of(row), letter_of(row), reason)


def on_retry(row: OutboxEmail, reason: str) -> None:
    letter_of(row).log(f"delivery to {recipient_of(row).name} delayed: {reason}")


def on_unbuilt(row: OutboxEmail, reason: str) -> None:
    letter_of(row).log(f"the email to {recipient_of(row).name} could not be built: {reason}")


def on_report(row: OutboxEmail, verdict: BounceType, diagnostic: str) -> str:
    """A bounce report after the server took it: the recipient's address
    failed it; a refusal for the site's reasons sends it again later (or
    holds it for an admin); a passing one is noted. Neither is booked
    against the recipient or the writer."""
    recipient, letter = recipient_of(row), letter_of(row)
    if verdict == BounceType.RECIPIENT and recipient.status in (
        RecipientStatus.SENT, RecipientStatus.QUEUED,
    ):  # fmt: skip
        fail(recipient, letter, f"bounced: {diagnostic or verdict}")
        return "recipient failed; writer told"
    if verdict == BounceType.SITE:
        pause = refused_for_the_site(recipient, letter, diagnostic or str(verdict))
        if recipient.status == RecipientStatus.HELD:
            return "recipient held for an admin: refused again for the site's reasons"
        if pause is None:
            return "noted in the letter's history"
        db.session.add(OutboxEmail(kind=EmailKind.TO_RECIPIENT, letter_id=letter.id,
                                   recipient_id=recipient.id, priority=row.priority,
                                   not_before=utcnow() + pause))  # fmt: skip
        return f"recipient goes again in {pause}: refused for the site's reason"
    letter.log(f"the email to {recipient.name}: {verdict} bounce: {diagnostic or verdict}")
    return "noted in the letter's history"


def fail(recipient: Recipient, letter: Letter, reason: str) -> None:
    """The recipient's address failed it for the recipient's own reasons:
    that target's address is not used again (app/targets/models.py)."""
    if recipient.status not in (RecipientStatus.QUEUED, RecipientStatus.SENT):
        return
    recipient.status, recipient.failure = RecipientStatus.FAILED, reason[:300]
    mark_bounced(db.session, recipient.target_id)
    letter.log(f"not delivered to {recipient.name} ({recipient.role}): {reason}")
    db.session.add(OutboxEmail(
        kind=EmailKind.RECIPIENT_FAILED, letter_id=letter.id, recipient_id=recipient.id,
    ))  # fmt: skip
    if letter.to_mp:
        return
    _settle(letter)


def refused_for_the_site(recipient: Recipient, letter: Letter, detail: str) -> timedelta | None:
    """A server refused the recipient's email (alone, or in its office's
    digest) for the site's reasons: booked on nobody. The recipient is back
    in the queue, out of any digest, and the pause returned is how long its
    caller lets it wait; after the last pause it is HELD for an admin, and
    the pause is None (as for a recipient no longer to be written to)."""
    if recipient.status not in (RecipientStatus.QUEUED, RecipientStatus.SENT):
        letter.log(f"the email to {recipient.name}: {site_refusals.REFUSED}: {detail}")
        return None
    recipient.site_refusals += 1
    recipient.digest_outbox_id = None
    pause = site_refusals.pause_after(recipient.site_refusals)
    recipient.status = RecipientStatus.QUEUED if pause else RecipientStatus.HELD
    said = f"the email to {recipient.name}: {site_refusals.REFUSED}: {detail}"
    if pause is None:
        recipient.failure = site_refusals.held_because(recipient.site_refusals, detail)[:300]
        said = f"held for an admin: the email to {recipient.name} was {recipient.failure}"
    # A letter not to its MP follows its recipients: with none that has it
    # now, it is back in the queue, as a letter to its MP is (its writer's
    # copy, already sent, is not sent again).
    nobody_has_it = all(r.status != RecipientStatus.SENT for r in letter.recipients)
    if not letter.to_mp and letter.status == LetterStatus.SENT and nobody_has_it:
        letter.move_to(LetterStatus.QUEUED, detail=said)
    else:
        letter.log(said)
    return pause


def _locked_status(letter: Letter) -> str:
    """The letter's state now, its row locked for this transaction: two
    workers finishing two of its recipients at once move it only once."""
    db.session.refresh(letter, attribute_names=["status"], with_for_update=True)
    return letter.status


def _settle(letter: Letter) -> None:
    """A letter not to its MP, once none of its recipients is still to be
    written to: failed if every one failed; posted (its copy telling the
    writer where) if the others failed and some are for its writer to post."""
    status = _locked_status(letter)
    if status not in (LetterStatus.QUEUED, LetterStatus.SENT):
        return
    states = {r.status for r in letter.recipients}
    if states.intersection(STILL_TO_GO):
        return
    if states == {RecipientStatus.FAILED}:
        letter.move_to(LetterStatus.FAILED, detail="not delivered to any of its recipients")
    elif status == LetterStatus.QUEUED and RecipientStatus.POSTED in states:
        letter.move_to(LetterStatus.POSTED, detail="its emails failed; to print and post")
        db.session.add(OutboxEmail(kind=EmailKind.CONSTITUENT_COPY, letter_id=letter.id))
