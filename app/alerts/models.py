"""Subscribers and the consent they gave; alerts to them, and who received each one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model, utcnow

if TYPE_CHECKING:
    from app.campaigns.models import Campaign
    from app.reference.models import Constituency


class Segment(StrEnum):
    ALL = "all"  # every confirmed subscriber
    NOT_WRITTEN = "not_written"  # ... who has not yet written in this campaign
    MP_NOT_HEARD = "mp_not_heard"  # ... whose MP has not yet received a letter in it
    # ... one of whose local targets in it (a councillor, a member of the
    # Senedd: app/targets/) has not yet received a letter in it
    TARGET_NOT_HEARD = "target_not_heard"
    NO_REPLY = "no_reply"  # ... who wrote, and say their MP has not replied after N days
    LOW_REPLY_MP = "low_reply_mp"  # ... whose MP's reply rate in this campaign is below X


class AlertStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"  # being fanned out and delivered
    SENT = "sent"  # every recipient queued and the queue drained
    CANCELLED = "cancelled"


class Alert(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    call_to_action: Mapped[str] = mapped_column(String(80), default="Write to your MP")
    segment: Mapped[Segment] = mapped_column(String(16), default=Segment.ALL)
    status: Mapped[AlertStatus] = mapped_column(String(10), default=AlertStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]  # every recipient has an outbox row
    finished_at: Mapped[datetime | None]
    # The last subscriber the fan-out looked at, in its current pass.
    fan_out_cursor: Mapped[int | None]
    # An A/B test (app/alerts/variants.py): this share of the segment gets
    # the variants (A is the alert's own subject and body); `test_hours`
    # after the last of them is queued (`tested_at`), the winner is chosen
    # by letters written per recipient and the rest get it.
    test_percent: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: no test
    test_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    tested_at: Mapped[datetime | None]
    winner: Mapped[str | None] = mapped_column(String(1))  # a variant's letter
    decision: Mapped[str | None] = mapped_column(Text)  # what the figures said, in words

    campaign: Mapped[Campaign] = relationship()
    variants: Mapped[list[AlertVariant]] = relationship(
        cascade="all, delete-orphan", order_by="AlertVariant.label"
    )

    @property
    def testing(self) -> bool:
        return self.test_percent > 0 and bool(self.variants)

    def content(self, label: str | None) -> tuple[str, str]:
        """The subject and body of variant `label` (A, or none: the alert's own)."""
        for variant in self.variants:
            if variant.label == label:
                return variant.subject, variant.body_markdown
        return self.subject, self.body_markdown


class AlertVariant(Model):
    """Another subject and body for an alert's A/B test: B, C or D."""

    __tablename__ = "alert_variant"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"))
    label: Mapped[str] = mapped_column(String(1))
    subject: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("alert_id", "label", name="uq_alert_variant_label"),)


class AlertRecipient(Model):
    """One subscriber's copy of one alert. Unique per pair: nobody is queued twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"))
    clicked_at: Mapped[datetime | None]
    clicks: Mapped[int] = mapped_column(default=0)
    variant: Mapped[str | None] = mapped_column(String(1))  # in an A/B test: which they got
    # In the test's share (the rest, sent the winner after, are not counted in it).
    tested: Mapped[bool] = mapped_column(default=False, server_default=false())

    alert: Mapped[Alert] = relationship()
    subscriber: Mapped[Subscriber] = relationship()

    __table_args__ = (
        UniqueConstraint("alert_id", "subscriber_id", name="uq_alert_recipient_pair"),
        Index("ix_alert_recipient_subscriber", "subscriber_id"),
    )


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # signed up; has not clicked the confirmation link
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"  # bounced or complained: never mailed again


class Subscriber(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised
    status: Mapped[SubscriberStatus] = mapped_column(
        String(12), default=SubscriberStatus.PENDING, index=True
    )
    postcode: Mapped[str | None] = mapped_column(String(8))
    # The language they signed up in: their emails are written in it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    constituency_id: Mapped[int | None] = mapped_column(ForeignKey("constituency.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    suppressed_at: Mapped[datetime | None]
    suppressed_reason: Mapped[str | None] = mapped_column(String(120))
    # Soft bounces since the subscriber last showed a sign of life (a click):
    # three in a row suppress (app/bounces/handling.py).
    soft_bounces: Mapped[int] = mapped_column(default=0, server_default="0")
    # Their postcode's council, county and ward (app/reference/areas.py), for
    # the alert segment "whose councillor has not heard" (app/alerts/places.py),
    # and when the postcode data that placed them was loaded: None, not
    # placed yet; older than the newest load, to be placed again.
    council_code: Mapped[str | None] = mapped_column(String(9))
    county_code: Mapped[str | None] = mapped_column(String(9))
    ward_code: Mapped[str | None] = mapped_column(String(9))
    placed_with: Mapped[datetime | None]

    consents: Mapped[list[Consent]] = relationship(back_populates="subscriber")
    constituency: Mapped[Constituency | None] = relationship()

    __table_args__ = (
        # The subscribers to place (not yet, or with older data): found
        # without a scan, as no one is once all are placed with the newest.
        Index(
            "ix_subscriber_to_place",
            "placed_with",
            sqlite_where=text("postcode IS NOT NULL"),
            postgresql_where=text("postcode IS NOT NULL"),
        ),
    )


class Consent(Model):
    """What a person agreed to, when, where, and in exactly which words."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    source: Mapped[str] = mapped_column(String(10))  # site, widget, share, letter, settings
    # A consent given with a letter: confirming the letter proves the address.
    letter_id: Mapped[int | None] = mapped_column("message_id", ForeignKey("message.id"))
    wording: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="consents")
    campaign: Mapped[Campaign | None] = relationship()
