"""Calling an endpoint: the outbox's `perform` for every webhook event.

Each event is its own kind of outbox row (app/outbox/kinds.py), declared
by the feature it is about with `declare_event` and the function that
builds its `data` when the call is made. The worker claims calls apart from
email and makes them one at a time (app/outbox/worker.py); this module
says what each answer means:

- 2xx: done. Anything else from the endpoint (3xx, 4xx, 429, 5xx), a
  timeout, a refused connection or a failed TLS check is the endpoint's
  failure: the call is tried again with doubling delays, and given up after
  DELIVERY_GIVE_UP_HOURS like an email. Every failure pauses the endpoint
  until its call's next try, so its other calls wait instead of failing one
  by one; the pause doubles with each failure in a row, up to
  DELIVERY_RETRY_MAX_SECONDS, and an admin can end it. None of it is ever
  booked against a writer, a subscriber or the site's other work.
- 410 Gone: the endpoint says it is no more. It is stopped, and its calls
  are not made.
- Calls about one subject (a letter, a person) reach an endpoint in the
  order they were announced: one waits while an earlier one about the same
  subject is still on its way.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.adapters import http
from app.db import iso_time, utcnow, write_transaction
from app.extensions import db
from app.outbox import kinds
from app.outbox.kinds import TryAgain, Wait
from app.outbox.mime import Unsendable
from app.outbox.models import OutboxEmail, OutboxStatus
from app.outbox.outcomes import retry_delay
from app.partners.models import Partner
from app.webhooks.models import Endpoint, Event
from app.webhooks.signing import signed_headers

log = logging.getLogger(__name__)

# What a call says of its subject: a dict made JSON, or None when there is
# nothing left to say (the letter or person was erased meanwhile).
Data = Callable[[OutboxEmail, Endpoint], dict | None]

# A call waiting behind an earlier one about the same subject is tried this
# long after the earlier one's next try.
BEHIND_EARLIER = timedelta(seconds=1)


def declare_event(event: Event, data: Data) -> None:
    """A feature's event: its kind of outbox row, and how its data is built."""
    kinds.declare(event, kinds.Kind(perform=functools.partial(call, event, data)))


def payload(event: Event, row: OutboxEmail, data: dict) -> bytes:
    """The body, in the Standard Webhooks shape: the event's type, when it
    happened (not when this attempt was made) and its data."""
    message = {"type": event.value, "timestamp": iso_time(row.created_at), "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def call(event: Event, data: Data, row: OutboxEmail) -> bool:
    """Make the call; True once the endpoint took it, False when it need not be made."""
    endpoint = db.session.get(Endpoint, row.endpoint_id) if row.endpoint_id else None
    if endpoint is None or not endpoint.active:
        return False
    if (
        endpoint.partner_id is not None
        and not db.session.get_one(Partner, endpoint.partner_id).active
    ):
        return False  # a disabled partner hears of nothing
    now = utcnow()
    if endpoint.paused_until is not None and endpoint.paused_until > now:
        raise Wait(endpoint.paused_until, "its endpoint is paused")
    behind = _earlier_on_its_way(row, now)
    if behind is not None:
        raise Wait(behind, "an earlier event about the same subject is on its way")
    content = data(row, endpoint)
    if content is None:
        return False
    body = payload(event, row, content)
    config = current_app.config
    try:
        status = http.post(
            endpoint.url, body, signed_headers(endpoint, row, body, now),
            timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
            private_allowed=config["WEBHOOK_PRIVATE_ADDRESSES"], ca_file=config["WEBHOOK_CA_FILE"],
        )  # fmt: skip
    except http.CallError as exc:
        raise TryAgain(exc.reason, _failed(endpoint.id, exc.reason)) from exc
    if 200 <= status < 300:
        _took(endpoint.id)
        return True
    if status == 410:
        stop(endpoint.id, "it answered 410 Gone")
        raise Unsendable("the endpoint answered 410 Gone: it is stopped")
    reason = f"it answered {status}"
    raise TryAgain(reason, _failed(endpoint.id, reason))


def _earlier_on_its_way(row: OutboxEmail, now: datetime) -> datetime | None:
    """When to look again, if an earlier call to the same endpoint about the
    same subject is still queued or being made: just after its next try, or
    after its lease runs out if a worker holds it (one that died leaves it
    until then)."""
    subject = (
        OutboxEmail.letter_id == row.letter_id
        if row.letter_id is not None
        else OutboxEmail.subscriber_id == row.subscriber_id
    )
    earlier = db.session.execute(
        select(OutboxEmail.status, OutboxEmail.not_before, OutboxEmail.lease_expires_at)
        .where(
            OutboxEmail.endpoint_id == row.endpoint_id,
            subject,
            OutboxEmail.id < row.id,
            OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
        )
        .order_by(OutboxEmail.id)
        .limit(1)
    ).first()
    if earlier is None:
        return None
    status, not_before, lease_ends = earlier
    next_try = lease_ends if status == OutboxStatus.SENDING and lease_ends else not_before
    return max(next_try, now) + BEHIND_EARLIER


def _failed(endpoint_id: int, reason: str) -> datetime:
    """Count a failure in a row and pause the endpoint until the next try."""
    with write_transaction() as session:
        endpoint = _locked(session, endpoint_id)
        endpoint.failures += 1
        endpoint.last_error = reason[:300]
        until = utcnow() + timedelta(seconds=retry_delay(endpoint.failures))
        endpoint.paused_until = until
        failures = endpoint.failures
    log.warning("webhook endpoint %s failed (%s), %s in a row", endpoint_id, reason, failures)
    return until


def _took(endpoint_id: int) -> None:
    """A call went through: the endpoint's failures in a row are over."""
    with write_transaction() as session:
        endpoint = _locked(session, endpoint_id)
        endpoint.failures = 0
        endpoint.paused_until = None
        endpoint.last_success_at = utcnow()


def _locked(session, endpoint_id: int) -> Endpoint:
    """The endpoint, locked and read afresh: what another worker or an admin
    changed while this one's call was out is not overwritten."""
    return session.get_one(Endpoint, endpoint_id, with_for_update=True, populate_existing=True)


def stop(endpoint_id: int, reason: str) -> None:
    """No more calls to this endpoint (it said it is gone, or an admin stopped it)."""
    with write_transaction() as session:
        endpoint = _locked(session, endpoint_id)
        endpoint.active = False
        endpoint.stopped_reason = reason[:300]
    log.warning("webhook endpoint %s stopped: %s", endpoint_id, reason)
