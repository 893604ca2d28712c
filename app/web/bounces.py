"""The relays' webhooks for bounce reports: Amazon SES through SNS
(app/bounces/sns.py) and Mailgun (app/bounces/mailgun.py).

No cookies and no CSRF token: each relay signs what it sends, and an
unsigned, forged or foreign message is refused with nothing done: 400 when
it is not a message of the relay's at all, 403 when it is not signed with
what we trust (or its certificate cannot be had), and, for Mailgun, 406 for
a genuine event refused for good (Mailgun does not retry a 406).
"""

from __future__ import annotations

import logging

from flask import Blueprint, request

from app.bounces import mailgun
from app.bounces import sns as sns_door
from app.bounces.handling import handle
from app.web.errors import json_error

log = logging.getLogger(__name__)
bp = Blueprint("bounces", __name__, url_prefix="/bounces")
MAX_BODY = 200_000
CODES = {400: "malformed", 403: "refused", 406: "rejected"}


@bp.record_once
def _certificate_cache(state) -> None:
    state.app.extensions.setdefault("sns_certificates", sns_door.CertificateCache())


@bp.post("/sns")
def sns():
    try:
        message = sns_door.verified(request.get_data(cache=False)[:MAX_BODY])
    except sns_door.Refused as exc:
        return _refused("SNS", exc, exc.status)
    outcomes = [handle(report).outcome for report in sns_door.reports(message)]
    return {"status": "received", "outcomes": outcomes}


@bp.post("/mailgun")
def mailgun_event():
    try:
        outcome = mailgun.handled(request.get_data(cache=False)[:MAX_BODY])
    except mailgun.Refused as exc:
        return _refused("Mailgun", exc, exc.status)
    return {"status": "received", "outcome": outcome}


def _refused(relay: str, reason: Exception, status: int):
    log.info("%s webhook refused (%s): %s", relay, status, reason)  # the reason names no one
    return json_error(status, CODES.get(status, "refused"), f"Not accepted: {reason}.")
