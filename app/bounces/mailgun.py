"""Mailgun's failure and complaint events, through its signed webhook.

Mailgun rewrites the envelope sender to its own bounce address, so the return
path that names each email elsewhere (VERP) does not come back. An event
names the email in one of two ways instead, each carrying its own proof:

- its Message-ID, `<kind.id.token@domain>` (app/outbox/mime.py): the token
  must be the one stored with that outbox row;
- the variables the email carried in X-Mailgun-Variables (`outbox_id`, and
  `sig`, the return path's signature of it: app/outbox/return_path.py),
  which Mailgun hands back in `user-variables`.

Mailgun signs the timestamp and a random token (HMAC-SHA256, keyed with
MAILGUN_WEBHOOK_SIGNING_KEY), not the event itself. So an event is believed
only when the signature verifies (compared in constant time), its timestamp
is within REPLAY_WINDOW of our clock, and its token has not been seen before
(a `webhook_token` row, kept until its timestamp leaves the window); and the
email it names must prove itself as above, or nothing is done.

What the webhook answers, in Mailgun's terms (it retries anything but 200
and 406 for up to 8 hours): 200, taken (the outcome says what was done);
406, a genuine event refused for good (its token was seen before, or it names
no email of ours), not retried; 400, malformed; 403, not signed with our key,
or stale (retried: a wrong key or clock can be put right meanwhile).

An event: "failed" with severity "permanent" is a failure whose verdict
(whose fault) comes from Mailgun's reason and the server's words
(app/outbox/verdicts.py); "temporary" is only a warning (Mailgun tries
again, and sends a permanent failure if it gives up), like a DSN's
"delayed"; "complained" is a complaint. Anything else changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.bounces.handling import handle
from app.bounces.models import BounceType, WebhookToken
from app.bounces.reports import Report, without_addresses
from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.mime import outbox_reference
from app.outbox.models import OutboxEmail
from app.outbox.return_path import outbox_signature
from app.outbox.verdicts import judge

log = logging.getLogger(__name__)
REPLAY_WINDOW = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200  # Mailgun's are 50 characters
# Mailgun's own reasons that say whose fault it was (the rest: the words decide).
REASONS = {
    "suppress-bounce": BounceType.RECIPIENT,  # Mailgun's list of addresses that bounced before
    "suppress-complaint": BounceType.COMPLAINT,  # and of those that complained
    "espblock": BounceType.SITE,  # the receiving provider blocked the sender
}


class Refused(Exception):
    """Not a genuine event signed with our key, or a stale one: nothing is done (403)."""

    status = 403


class Malformed(Refused):
    """Not a Mailgun event at all (400)."""

    status = 400


class Rejected(Refused):
    """A genuine event refused for good: a replay, or not about an email of
    ours (406, which Mailgun does not retry)."""

    status = 406


def handled(body: bytes) -> str:
    """Verify, read and act on one event; what was done. A fault of ours
    while acting gives its token back, so Mailgun's retry is accepted (it
    would otherwise be refused as a replay, and the report lost)."""
    event = verified(body)
    found = report(event)
    if found is None:
        return "ignored: not a failure"
    try:
        return handle(found).outcome
    except Exception:
        _give_back(event)
        raise


def verified(body: bytes) -> dict:
    """The event (`event-data`), once its signature, timestamp and token check
    out; the token is spent."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise Malformed("not JSON") from exc
    if not isinstance(payload, dict):
        raise Malformed("not a Mailgun event")
    signed, event = payload.get("signature"), payload.get("event-data")
    if not isinstance(signed, dict) or not isinstance(event, dict):
        raise Malformed("not a Mailgun event")
    timestamp, token, signature = (signed.get(k) for k in ("timestamp", "token", "signature"))
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    if not (
        isinstance(timestamp, str)
        and timestamp.isascii()
        and timestamp.isdigit()
        and len(timestamp) <= 12
        and isinstance(token, str)
        and 0 < len(token) <= MAX_TOKEN_LENGTH
        and isinstance(signature, str)
    ):
        raise Malformed("no signature")
    key = current_app.config["MAILGUN_WEBHOOK_SIGNING_KEY"]
    if not key:
        raise Refused("no signing key is configured")
    expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise Refused("bad signature")
    if abs(time.time() - int(timestamp)) > REPLAY_WINDOW.total_seconds():
        raise Refused("stale timestamp")
    _spend(token, int(timestamp))
    return {**event, SPENT: _digest(token)}


def _spend(token: str, timestamp: int) -> None:
    """Record the token, once: a second time is a replay (Rejected). Tokens
    whose timestamp has left the window are purged on the way."""
    expires_at = datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None) + REPLAY_WINDOW
    digest = _digest(token)
    try:
        with write_transaction() as session:
            session.execute(delete(WebhookToken).where(WebhookToken.expires_at < utcnow()))
            session.add(WebhookToken(digest=digest, expires_at=expires_at))
    except IntegrityError as exc:  # the primary key: seen before, here or by another process
        raise Rejected("token seen before") from exc


# The spent token's digest, carried with the verified event (Mailgun's own
# keys never start with an underscore).
SPENT = "_spent_token"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _give_back(event: dict) -> None:
    try:
        with write_transaction() as session:
            session.execute(delete(WebhookToken).where(WebhookToken.digest == event[SPENT]))
    except Exception:  # the database is away: Mailgun's retry will be refused
        log.exception("a Mailgun token could not be given back after a failure")


def report(event: dict) -> Report | None:
    """What the event reports, about which email; None for an event that is
    neither a failure nor a complaint (delivered, opened ...). Rejected when
    it names no email of ours."""
    kind, severity = event.get("event"), event.get("severity")
    if kind not in ("failed", "complained"):
        return None
    outbox_id = outbox_id_of(event)
    if outbox_id is None:
        raise Rejected("not about an email of ours")
    if kind == "complained":
        return Report(outbox_id=outbox_id, type=BounceType.COMPLAINT, diagnostic="complaint")
    status, diagnostic = _delivery_status(event)
    said = diagnostic if status in diagnostic else f"{status} {diagnostic}"
    text = without_addresses(said)
    if severity != "permanent":
        # Mailgun tries again, and sends a permanent failure if it gives up.
        return Report(outbox_id=outbox_id, type=None, diagnostic=text)
    verdict = REASONS.get(str(event.get("reason", ""))) or judge(status, diagnostic, permanent=True)
    return Report(outbox_id=outbox_id, type=verdict, diagnostic=text)


def _delivery_status(event: dict) -> tuple[str, str]:
    """The enhanced status code, and the server's reply code and words."""
    status = event.get("delivery-status")
    if not isinstance(status, dict):
        return "", ""
    enhanced = str(status.get("enhanced-code") or "")
    words = [str(status.get(k) or "").strip() for k in ("code", "message", "description")]
    code, message, description = words
    if description == message:
        description = ""
    return enhanced, " ".join(x for x in (code, message, description) if x)


def outbox_id_of(event: dict) -> int | None:
    """The outbox row the event is about, proven by its Message-ID's token or
    by its variables' signature; None if neither proves one of ours."""
    message = event.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    message_id = headers.get("message-id") if isinstance(headers, dict) else None
    named = outbox_reference(message_id) if isinstance(message_id, str) else None
    if named is not None:
        # A Message-ID of ours in shape decides alone: a staging copy that
        # shares the production key has rows of the same ids, not the same tokens.
        outbox_id, token = named
        stored = db.session.scalar(
            select(OutboxEmail.message_token).where(OutboxEmail.id == outbox_id)
        )
        matches = stored is not None and hmac.compare_digest(stored.encode(), token.encode())
        return outbox_id if matches else None
    variables = event.get("user-variables")
    if not isinstance(variables, dict):
        return None
    named_id, signature = str(variables.get("outbox_id", "")), variables.get("sig")
    if not (named_id.isascii() and named_id.isdigit() and len(named_id) <= 18):
        return None
    if not isinstance(signature, str):
        return None
    expected = outbox_signature(int(named_id))
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return None
    return db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.id == int(named_id)))
