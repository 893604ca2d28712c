"""The sharing loop's events: shares, visits through a share link, group clicks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class ShareKind(StrEnum):
    SHARE = "share"  # the writer pressed a share button
    VISIT = "visit"  # someone arrived through the writer's link
    GROUP = "group"  # the writer followed the campaign's group link


class ShareEvent(Model):
    """The sharing loop, one row per share, visit through a share link, or group click."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    letter_id: Mapped[int] = mapped_column("message_id", ForeignKey("message.id"))  # whose link
    kind: Mapped[ShareKind] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(10), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_share_event_campaign_kind", "campaign_id", "kind", "channel"),
        Index("ix_share_event_message", "message_id", "kind"),
    )
