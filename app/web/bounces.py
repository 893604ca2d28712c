"""The relays' webhook for bounce reports: Amazon SES through SNS (app/bounces/sns.py).

No cookies and no CSRF token: SNS signs each message, and an unsigned,
forged or foreign one is refused (403) with nothing done.
"""

from __future__ import annotations

from flask import Blueprint, request

from app.bounces.handling import handle
from app.bounces.sns import Refused, reports, verified
from app.web.errors import json_error

bp = Blueprint("bounces", __name__, url_prefix="/bounces")


@bp.post("/sns")
def sns():
    try:
        message = verified(request.get_data(cache=False)[:200_000])
    except Refused as exc:
        return json_error(403, "refused", f"Not accepted: {exc}.")
    outcomes = [handle(report).outcome for report in reports(message)]
    return {"status": "received", "outcomes": outcomes}
