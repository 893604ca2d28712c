"""Keeping robots and floods out without bothering people.

A form ticket is a signed token issued when a form is shown. It carries a
random submission key (so a double submit stores one letter) and the time
the form was shown. A filled honeypot is a robot's: it gets a success-shaped
answer and nothing is stored, so it learns nothing. A form sent faster than
MIN_FILL_SECONDS may be a person with autofill and a pasted letter: they are
asked to check the letter and press send again (with a fresh ticket), so
nothing typed is lost; a robot learns only what it could anyway, that a
form must be open a few seconds. Both are logged, without personal data.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app

from app.i18n import N_
from app.tokens import InvalidToken, Purpose, sign, unsign

log = logging.getLogger(__name__)
TICKET_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class FormTicket:
    submission_key: str
    shown_at: float


class StaleForm(Exception):
    """The form ticket is missing, forged or more than a day old."""


def issue_form_ticket() -> str:
    # Milliseconds, rounded down: a ticket is never stamped later than it was
    # issued (rounded up, one read at once looked filled in negative time).
    shown_at = math.floor(time.time() * 1000) / 1000
    return sign(Purpose.FORM_TICKET, {"k": secrets.token_hex(16), "t": shown_at})


def read_form_ticket(token: object) -> FormTicket:
    """The ticket a form carried; StaleForm for anything else (a JSON client
    may send a number, a boolean or nothing)."""
    if not isinstance(token, str) or not token:
        raise StaleForm("missing form ticket")
    try:
        payload = unsign(Purpose.FORM_TICKET, token, TICKET_MAX_AGE)
    except InvalidToken as exc:
        raise StaleForm(str(exc)) from exc
    return FormTicket(submission_key=str(payload["k"]), shown_at=float(payload["t"]))


SEND_AGAIN = N_(
    "That was quicker than we expected. Please check your letter, then press send again."
)
ROBOT = "robot"  # the honeypot was filled: answer as if sent, store nothing
TOO_FAST = "too fast"  # perhaps a quick person: ask them to press send again


def suspicion(ticket: FormTicket, honeypot: str | None) -> str | None:
    """ROBOT, TOO_FAST, or None for a form a person filled in."""
    if honeypot:
        log.info("a letter refused: the honeypot was filled")
        return ROBOT
    seconds = time.time() - ticket.shown_at
    if seconds < current_app.config["MIN_FILL_SECONDS"]:
        log.info("a letter held back: sent %.1f s after the form was shown", seconds)
        return TOO_FAST
    return None
