"""Webhook endpoints: a partner's or the organisation's URL, told of events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model, utcnow


class Event(StrEnum):
    """What an endpoint may be told of; each is its own kind of outbox row.
    Names follow the Standard Webhooks convention (`noun.verb`)."""

    LETTER_CONFIRMED = "letter.confirmed"  # the writer confirmed their address
    LETTER_DELIVERED = "letter.delivered"  # the MP's mail server accepted it
    LETTER_FAILED = "letter.failed"  # it could not be delivered
    MP_REPLIED = "letter.mp_replied"  # the writer says their MP replied
    PERSON_SUBSCRIBED = "person.subscribed"  # confirmed they want alerts
    PERSON_UNSUBSCRIBED = "person.unsubscribed"  # stopped alerts

    @property
    def about_people(self) -> bool:
        """A person's own events (their address, their consent): told only to
        the organisation running the site, whose alerts they agreed to."""
        return self.value.startswith("person.")


class Endpoint(Model):
    """An https URL that events are posted to, signed with its secret.

    A partner's endpoint hears of the letters written through its widget,
    and nothing personal; the organisation's own (no partner) hears of every
    letter and of the people who chose its alerts."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The Standard Webhooks secret ("whsec_" and base64), which signing needs
    # in the clear; shown once when made. After a rotation the previous one
    # signs too until `previous_until`, so the receiver can switch over.
    secret: Mapped[str] = mapped_column(String(80))
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    stopped_reason: Mapped[str | None] = mapped_column(String(300))  # why it is not active
    # Failures in a row: after each, calls wait until `paused_until`, longer
    # at each failure in a row (app/webhooks/delivery.py).
    failures: Mapped[int] = mapped_column(default=0)
    paused_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))  # a status or error class
    last_success_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    events: Mapped[list[EndpointEvent]] = relationship(
        cascade="all, delete-orphan", order_by="EndpointEvent.event"
    )

    @property
    def event_names(self) -> list[str]:
        return [chosen.event for chosen in self.events]


class EndpointEvent(Model):
    """One event an endpoint chose to hear of."""

    __tablename__ = "webhook_endpoint_event"
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(30), primary_key=True)
