"""Alerts to subscribers, who received each one, and the sharing loop's events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.models.campaign import Campaign
    from app.models.subscriber import Subscriber


class Segment(StrEnum):
    ALL = "all"  # every confirmed subscriber
    NOT_WRITTEN = "not_written"  # ... who has not yet written in this campaign
    MP_NOT_HEARD = "mp_not_heard"  # ... whose MP has not yet received a letter in it


class AlertStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"  # being fanned out and delivered
    SENT = "sent"  # every recipient queued and the queue drained
    CANCELLED = "cancelled"


class Alert(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    call_to_action: Mapped[str] = mapped_column(String(80), default="Write to your MP")
    segment: Mapped[str] = mapped_column(String(16), default=Segment.ALL)
    status: Mapped[str] = mapped_column(String(10), default=AlertStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]  # every recipient has an outbox row
    finished_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()


class AlertRecipient(db.Model):
    """One subscriber's copy of one alert. Unique per pair: nobody is queued twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"))
    clicked_at: Mapped[datetime | None]
    clicks: Mapped[int] = mapped_column(default=0)

    alert: Mapped[Alert] = relationship()
    subscriber: Mapped[Subscriber] = relationship()

    __table_args__ = (
        UniqueConstraint("alert_id", "subscriber_id", name="uq_alert_recipient_pair"),
        Index("ix_alert_recipient_subscriber", "subscriber_id"),
    )


class ShareKind(StrEnum):
    SHARE = "share"  # the writer pressed a share button
    VISIT = "visit"  # someone arrived through the writer's link
    GROUP = "group"  # the writer followed the campaign's group link


class ShareEvent(db.Model):
    """The sharing loop, one row per share, visit through a share link, or group click."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))  # whose link
    kind: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(10), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_share_event_campaign_kind", "campaign_id", "kind", "channel"),
        Index("ix_share_event_message", "message_id", "kind"),
    )
