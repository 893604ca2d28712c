"""Registering and looking after endpoints: what the admin and the CLI do.

An endpoint is registered with its URL, the events it chooses and, for a
partner's, the partner; its secret is made here and shown once. Every change
is in the audit log; no URL or secret is ever logged (a partner may put a
token in its URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from app.accounts import audit
from app.adapters.http import RefusedURL, check_url
from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.models import OutboxEmail, OutboxStatus
from app.partners.models import Partner
from app.partners.registry import NotForPartners, PartnerError, partner_for
from app.text import members_named
from app.webhooks.models import Endpoint, EndpointEvent, Event
from app.webhooks.signing import new_secret

# What each event is, in the admin's words.
EVENT_LABELS = {
    Event.LETTER_CONFIRMED: "a letter confirmed by its writer",
    Event.LETTER_DELIVERED: "a letter delivered to the MP",
    Event.LETTER_FAILED: "a letter that could not be delivered",
    Event.MP_REPLIED: "a writer says their MP replied",
    Event.PERSON_SUBSCRIBED: "someone subscribed to alerts (the organisation's only)",
    Event.PERSON_UNSUBSCRIBED: "someone unsubscribed (the organisation's only)",
}

STOPPED_BY_ADMIN = "stopped by an admin"

# After a rotation the previous secret signs too, this long, so a receiver
# can move to the new one without refusing a call meanwhile.
ROTATION_OVERLAP = timedelta(hours=24)


class EndpointError(ValueError):
    """A registration the site will not make; the message says why, and
    `field` which of the form's fields it is about."""

    def __init__(self, message: str, field: str = "url"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Registered:
    endpoint_id: int
    secret: str  # shown once, never again


def events_from(names: list[str] | tuple[str, ...]) -> list[Event]:
    try:
        chosen = members_named(Event, names, "event")
    except ValueError as exc:
        raise EndpointError(str(exc), "events") from exc
    if not chosen:
        raise EndpointError("Choose at least one event.", "events")
    return chosen


def register(
    url: str, events: list[Event], *, partner_slug: str | None = None, admin=None
) -> Registered:
    """A new endpoint (calls start with the next event)."""
    url = url.strip()
    try:
        check_url(url, private_allowed=current_app.config["WEBHOOK_PRIVATE_ADDRESSES"])
    except RefusedURL as exc:
        raise EndpointError(f"The URL is refused: {exc.reason}.") from exc
    if len(url) > 500:
        raise EndpointError("The URL is longer than 500 characters.")
    about_people = any(event.about_people for event in events)
    try:
        partner = partner_for(partner_slug, hears_of_people=about_people, what="endpoint")
    except NotForPartners as exc:
        raise EndpointError(str(exc), "events") from exc
    except PartnerError as exc:
        raise EndpointError(str(exc), "owner") from exc
    secret = new_secret()
    with write_transaction() as session:
        endpoint = Endpoint(
            url=url, secret=secret, partner_id=partner.id if partner else None,
            events=[EndpointEvent(event=event.value) for event in dict.fromkeys(events)],
        )  # fmt: skip
        session.add(endpoint)
        session.flush()
        audit.record(
            admin, "webhook.registered", "webhook_endpoint", endpoint.id,
            f"partner {partner.slug if partner else '(the organisation)'};"
            f" {', '.join(event.value for event in events)}",
        )  # fmt: skip
    return Registered(endpoint.id, secret)


def rotate(endpoint_id: int, *, admin=None) -> str:
    """A new secret, shown once; the old one signs too for ROTATION_OVERLAP."""
    secret = new_secret()
    with write_transaction() as session:
        endpoint = _get(session, endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_until = utcnow() + ROTATION_OVERLAP
        endpoint.secret = secret
        audit.record(admin, "webhook.secret_rotated", "webhook_endpoint", endpoint_id)
    return secret


def resume(endpoint_id: int, *, admin=None) -> bool:
    """End a pause now: the endpoint's waiting calls are due at once. A
    stopped endpoint (410, or an admin) is started again too. False if it
    was neither paused nor stopped."""
    now = utcnow()
    with write_transaction() as session:
        endpoint = _get(session, endpoint_id)
        paused = endpoint.paused_until is not None and endpoint.paused_until > now
        if not paused and endpoint.active:
            return False
        endpoint.active = True
        endpoint.stopped_reason = None
        endpoint.paused_until = None
        endpoint.failures = 0
        session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.endpoint_id == endpoint_id,
                OutboxEmail.status == OutboxStatus.QUEUED,
                OutboxEmail.not_before > now,
            )
            .values(not_before=now),
            execution_options={"synchronize_session": False},
        )
        audit.record(admin, "webhook.resumed", "webhook_endpoint", endpoint_id)
    return True


def stop_by_admin(endpoint_id: int, *, admin=None) -> None:
    """No more calls; the ones waiting are not made (it can be resumed)."""
    with write_transaction() as session:
        endpoint = _get(session, endpoint_id)
        endpoint.active = False
        endpoint.stopped_reason = STOPPED_BY_ADMIN
        audit.record(admin, "webhook.stopped", "webhook_endpoint", endpoint_id)


def every_endpoint() -> list[Endpoint]:
    return list(db.session.scalars(select(Endpoint).order_by(Endpoint.id)))


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as the admin sees it: never its secret, and of its URL
    only the host (a partner may put a token in the path)."""

    endpoint: Endpoint
    owner: str
    host: str
    state: str
    waiting: int  # calls queued or being made
    failed_this_week: int  # calls given up on, or refused for good

    @property
    def paused(self) -> bool:
        return self.state.startswith("paused")


def overview() -> list[EndpointView]:
    now = utcnow()
    partners = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    counts = dict(
        db.session.execute(
            select(OutboxEmail.endpoint_id, func.count())
            .where(OutboxEmail.endpoint_id.is_not(None),
                   OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)))
            .group_by(OutboxEmail.endpoint_id)
        ).all()
    )  # fmt: skip
    failed = dict(
        db.session.execute(
            select(OutboxEmail.endpoint_id, func.count())
            .where(OutboxEmail.endpoint_id.is_not(None), OutboxEmail.status == OutboxStatus.FAILED,
                   OutboxEmail.created_at >= now - timedelta(days=7))
            .group_by(OutboxEmail.endpoint_id)
        ).all()
    )  # fmt: skip
    return [
        EndpointView(
            endpoint,
            owner=partners.get(endpoint.partner_id, "?")
            if endpoint.partner_id
            else "the organisation",
            host=urlsplit(endpoint.url).hostname or "",
            state=state_of(endpoint, now),
            waiting=counts.get(endpoint.id, 0),
            failed_this_week=failed.get(endpoint.id, 0),
        )
        for endpoint in every_endpoint()
    ]


def troubled() -> int:
    """Endpoints paused or stopped by their own answers, for the dashboard's warning."""
    now = utcnow()
    return (
        db.session.scalar(
            select(func.count()).where(
                or_(
                    Endpoint.paused_until > now,
                    and_(~Endpoint.active, Endpoint.stopped_reason != STOPPED_BY_ADMIN),
                )
            )
        )
        or 0
    )


def state_of(endpoint: Endpoint, now: datetime | None = None) -> str:
    """In a few words, for the admin: active, paused until when, or stopped and why."""
    now = now or utcnow()
    if not endpoint.active:
        return f"stopped: {endpoint.stopped_reason or 'no reason given'}"
    if endpoint.paused_until is not None and endpoint.paused_until > now:
        return (
            f"paused until {endpoint.paused_until:%Y-%m-%d %H:%M} UTC after"
            f" {endpoint.failures} failure{'s' if endpoint.failures != 1 else ''} in a row"
            f" ({endpoint.last_error})"
        )
    return "active"


def _get(session, endpoint_id: int) -> Endpoint:
    endpoint = session.get(Endpoint, endpoint_id, with_for_update=True, populate_existing=True)
    if endpoint is None:
        raise EndpointError(f"No webhook endpoint {endpoint_id}.")
    return endpoint
