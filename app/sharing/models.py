"""The sharing loop's events: shares, visits through a share link, group clicks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
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


class ShareTest(Model):
    """An A/B test of a campaign's share message (what the share buttons
    post): A is the campaign's own, B to D the test's. Writers who confirm
    while it runs are each given one; after `hours` the one whose writers
    brought the most letters each is given to everyone (app/sharing/variants.py)."""

    __tablename__ = "share_test"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    text_b: Mapped[str] = mapped_column(String(280))
    text_c: Mapped[str] = mapped_column(String(280), default="")
    text_d: Mapped[str] = mapped_column(String(280), default="")
    hours: Mapped[int] = mapped_column(default=72)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    winner: Mapped[str | None] = mapped_column(String(1))
    winner_text: Mapped[str | None] = mapped_column(String(280))  # kept: the campaign's may change
    decision: Mapped[str | None] = mapped_column(Text)

    @property
    def texts(self) -> dict[str, str]:
        """B to D, those written."""
        found = {"B": self.text_b, "C": self.text_c, "D": self.text_d}
        return {label: text for label, text in found.items() if text}
