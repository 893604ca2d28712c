"""Announcing an event: a call queued for every endpoint that should hear of it.

An event is announced in the transaction of the change it tells of (a
letter confirmed, delivered; a person subscribed), as one INSERT ... SELECT
over the endpoints that chose it: a row per endpoint, with the subject's id
and nothing else, so nothing personal is copied into the queue and an
erasure reaches the call before it is made (its payload is built when it is
sent: app/webhooks/delivery.py). With no endpoint, the statement inserts
nothing and costs one index lookup.

Who hears of what: an endpoint of the organisation running the site (no
partner) hears of every event it chose; a partner's, only of letters
written through its widget, and never of a person's own events.
"""

from __future__ import annotations

import functools

from sqlalchemy import Integer, bindparam, insert, literal, or_, select

from app.db import text_value, utcnow
from app.outbox.models import CALLBACK_PRIORITY, OutboxEmail, OutboxStatus
from app.webhooks.models import Endpoint, EndpointEvent, Event


def announcement(event: Event, subject: dict, partner_id, now, *source):
    """INSERT ... SELECT queuing a call of `event` to each endpoint that
    should hear of it. `subject` maps the outbox's subject column
    ("message_id" or "subscriber_id") to a value or a column of `source`;
    `partner_id` is the subject's partner (letters only); `now` a value or
    bound parameter. For statements built once."""
    endpoints, chosen = Endpoint.__table__, EndpointEvent.__table__
    columns = {
        "kind": text_value(event), "endpoint_id": endpoints.c.id, **subject,
        "priority": literal(CALLBACK_PRIORITY), "status": text_value(OutboxStatus.QUEUED),
        "attempts": literal(0), "not_before": now, "created_at": now,
    }  # fmt: skip
    organisations = endpoints.c.partner_id.is_(None)
    hears = (
        organisations
        if event.about_people
        else or_(organisations, endpoints.c.partner_id == partner_id)
    )
    rows = (
        select(*columns.values())
        .select_from(endpoints.join(chosen, chosen.c.endpoint_id == endpoints.c.id), *source)
        .where(chosen.c.event == event.value, endpoints.c.active, hears)
        .order_by(endpoints.c.id)
    )
    return insert(OutboxEmail.__table__).from_select(list(columns), rows)


@functools.cache
def _about(event: Event, subject_column: str):
    subject = {subject_column: bindparam("subject_id", type_=Integer())}
    partner = bindparam("partner_id", type_=Integer())
    return announcement(event, subject, partner, bindparam("now"))


def announce(
    session,
    event: Event,
    *,
    letter_id: int | None = None,
    subscriber_id: int | None = None,
    partner_id: int | None = None,
) -> None:
    """Queue `event` about a letter or a subscriber, in `session`'s transaction."""
    column = "message_id" if letter_id is not None else "subscriber_id"
    params = {
        "subject_id": letter_id if letter_id is not None else subscriber_id,
        "partner_id": partner_id,
        "now": utcnow(),
    }
    session.execute(_about(event, column), params)
