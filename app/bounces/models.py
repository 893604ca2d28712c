"""One row per email a report was received for: what the dashboard's bounce
and complaint rates count, and the guard against acting on a report twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class BounceType(StrEnum):
    HARD = "hard"  # the address will never take mail (5.x.x, "user unknown")
    SOFT = "soft"  # not now (4.x.x, "mailbox full"): three in a row count as hard
    COMPLAINT = "complaint"  # the recipient reported it as spam (ARF)


class Bounce(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_email_id: Mapped[int] = mapped_column(ForeignKey("outbox_email.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # the email's kind
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    type: Mapped[BounceType] = mapped_column(String(10))
    diagnostic: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_bounce_alert", "alert_id", "type"),)
