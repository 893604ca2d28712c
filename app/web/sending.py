"""Sending a letter, the one way for the site's form and the widget's API:
the form's ticket judged (a robot, or a person faster than expected), the
per-address allowance spent, the letter stored, and a letter sent again
answered as a new one. Each route turns the answer into its own response."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from app.campaigns.finding import CampaignNotOpen
from app.letters.models import Attribution
from app.letters.submission import (
    DuplicateLetter,
    FormAlreadySent,
    LetterDraft,
    submit_letter,
    tell_about_existing,
)
from app.web import limits
from app.web.abuse import ROBOT, TOO_FAST, FormTicket, suspicion


class Sent(StrEnum):
    STORED = "stored"  # or a letter sent before, whose owner is told by email
    ROBOT = "robot"  # answer as STORED: a robot learns nothing
    TOO_FAST = "too fast"  # show the letter again, to send once more
    FORM_ALREADY_SENT = "form already sent"  # this form went before, with another address
    CLOSED = "closed"  # the campaign closed since the page was read


def send_letter(
    campaign,
    draft: LetterDraft,
    ticket: FormTicket,
    *,
    honeypot: str | None,
    attribution: Attribution,
    subscribe: bool,
    by_post: bool,
    to_mp: bool = True,
    target_ids: Sequence[int] = (),
) -> Sent:
    """Raises LetterProblem or MPUnreachable as submit_letter does."""
    suspected = suspicion(ticket, honeypot)
    if suspected == ROBOT:
        return Sent.ROBOT
    if suspected == TOO_FAST:
        return Sent.TOO_FAST
    limits.spend_per_address()
    try:
        submit_letter(
            campaign=campaign,
            draft=draft,
            submission_key=ticket.submission_key,
            attribution=attribution,
            subscribe=subscribe,
            by_post=by_post,
            to_mp=to_mp,
            target_ids=target_ids,
        )
    except CampaignNotOpen:
        return Sent.CLOSED
    except FormAlreadySent:
        return Sent.FORM_ALREADY_SENT
    except DuplicateLetter as dup:
        # The same answer as a new letter: the address's owner hears the rest by email.
        tell_about_existing(dup.existing)
    return Sent.STORED
