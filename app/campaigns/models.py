"""Campaigns: what constituents are asked to write about."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from app.db import Model, utcnow


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"


class Campaign(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300), default="")
    intro_markdown: Mapped[str] = mapped_column(Text, default="")
    subject_template: Mapped[str] = mapped_column(String(200), default="")
    body_template: Mapped[str] = mapped_column(Text, default="")
    # Offered to writers who say their MP did not reply: placeholders as the
    # body template's, and {sent_date}, the day the first letter was delivered.
    follow_up_template: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A letter is refused with less than this share in the writer's own words.
    min_own_words_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    goal_letters: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: no goal shown
    status: Mapped[CampaignStatus] = mapped_column(String(10), default=CampaignStatus.DRAFT)
    thank_you_markdown: Mapped[str] = mapped_column(Text, default="")
    share_text: Mapped[str] = mapped_column(String(280), default="")
    group_url: Mapped[str] = mapped_column(String(500), default="")
    group_label: Mapped[str] = mapped_column(String(120), default="")
    # Alerts come From the campaign: "Publish MPs' expenses <alerts@example.org>".
    alert_sender: Mapped[str] = mapped_column(String(200), default="")
    # Its texts in the other languages offered, by language code (CampaignText).
    texts: Mapped[dict[str, CampaignText]] = relationship(
        collection_class=attribute_keyed_dict("language"), cascade="all, delete-orphan"
    )
    # Branding (app/campaigns/branding.py): who runs it, and its colour and picture.
    organisation_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    organisation_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    accent_colour: Mapped[str] = mapped_column(String(7), default="", server_default="")
    image_alt: Mapped[str] = mapped_column(String(200), default="", server_default="")
    image: Mapped[CampaignImage | None] = relationship(cascade="all, delete-orphan")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_live(self) -> bool:
        return self.status == CampaignStatus.LIVE


class CampaignText(Model):
    """A campaign's texts in one language other than English, each optional:
    an empty one shows the English (app/campaigns/languages.py). A language
    is a row, so a new one needs no column."""

    __tablename__ = "campaign_text"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)  # a registry code
    title: Mapped[str] = mapped_column(String(160), default="", server_default="")
    summary: Mapped[str] = mapped_column(String(300), default="", server_default="")
    intro_markdown: Mapped[str] = mapped_column(Text, default="", server_default="")
    subject_template: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_template: Mapped[str] = mapped_column(Text, default="", server_default="")
    thank_you_markdown: Mapped[str] = mapped_column(Text, default="", server_default="")
    share_text: Mapped[str] = mapped_column(String(280), default="", server_default="")
    group_label: Mapped[str] = mapped_column(String(120), default="", server_default="")
    follow_up_template: Mapped[str] = mapped_column(Text, default="", server_default="")


# The texts a campaign gives per language: every column of CampaignText but its key.
TRANSLATED = tuple(
    column.key for column in CampaignText.__table__.columns if not column.primary_key
)


class CampaignImage(Model):
    """A campaign's picture, resized on upload and kept in the database, so
    every app host serves the same one with no shared disk."""

    __tablename__ = "campaign_image"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    # JPEG; loaded only when served, not whenever a page asks for the picture's name.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    digest: Mapped[str] = mapped_column(String(16))  # names its URL, so caches keep it for good
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
