"""Keeping robots and floods out without bothering people.

A form ticket is a signed token issued when a form is shown. It carries a
random submission key (so a double submit stores one letter) and the time
the form was shown (so a form filled faster than a person could is treated as
automated). Automated submissions get a success-shaped answer and nothing is
stored: a bot learns nothing from it.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app

from app.tokens import InvalidToken, Purpose, sign, unsign

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


def looks_automated(ticket: FormTicket, honeypot: str | None) -> bool:
    """True for a filled honeypot or a form completed faster than a person can."""
    if honeypot:
        return True
    return time.time() - ticket.shown_at < current_app.config["MIN_FILL_SECONDS"]
