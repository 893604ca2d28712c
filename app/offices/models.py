"""An office's choice of a daily digest for one campaign: an MP's office,
or a target's (app/targets/: a councillor, a minister's office)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class OfficeDigest(Model):
    __tablename__ = "office_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    mp_id: Mapped[int] = mapped_column(ForeignKey("mp.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    active: Mapped[bool] = mapped_column(default=True)  # False: switched back to each letter
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("mp_id", "campaign_id", name="uq_office_digest"),)


class TargetDigest(Model):
    """A target's office's choice, kept by the target's list and ref: a new
    version of the list (the same person, reloaded) keeps it."""

    __tablename__ = "target_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("target_list.id"))
    ref: Mapped[str] = mapped_column(String(60))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    active: Mapped[bool] = mapped_column(default=True)  # False: switched back to each letter
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("list_id", "ref", "campaign_id", name="uq_target_digest"),)
