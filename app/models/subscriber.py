"""People who asked for campaign alerts, and the consent they gave."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import utcnow
from app.extensions import db


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # signed up; has not clicked the confirmation link
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"  # bounced or complained: never mailed again


class Subscriber(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised
    status: Mapped[str] = mapped_column(String(12), default=SubscriberStatus.PENDING, index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    constituency_id: Mapped[int | None] = mapped_column(ForeignKey("constituency.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    suppressed_reason: Mapped[str | None] = mapped_column(String(120))

    consents: Mapped[list[Consent]] = relationship(back_populates="subscriber")


class Consent(db.Model):
    """What a person agreed to, when, where, and in exactly which words."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    source: Mapped[str] = mapped_column(String(10))  # site, widget, share, letter
    # A consent given with a letter: confirming the letter proves the address.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    wording: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="consents")
