"""One row per email a report was received for: what the dashboard's bounce
and complaint rates count, and the guard against acting on a report twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow
from app.outbox.verdicts import BounceType  # whose fault: the queue's rules


class Bounce(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_email_id: Mapped[int] = mapped_column(ForeignKey("outbox_email.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # the email's kind, as outbox_email.kind
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    type: Mapped[BounceType] = mapped_column(String(10))
    diagnostic: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_bounce_alert", "alert_id", "type"),)


class ReadReport(Model):
    """Each message the intake has read, by its digest: a rerun of `flask bounces
    read` over the same mbox, or a report delivered twice, is acted on once.
    A message nobody could make sense of keeps its bytes for an admin to look
    at (`flask bounces unread`); every row goes after READ_REPORT_DAYS
    (app/privacy/schedule.py), since reports quote addresses."""

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the bytes
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(120), default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # only when not understood


class WebhookToken(Model):
    """A webhook signature's token (Mailgun's), accepted once. Kept until its
    timestamp leaves the replay window, after which no signature with it is
    accepted anyway; purged as new ones arrive (app/bounces/mailgun.py)."""

    __tablename__ = "webhook_token"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    expires_at: Mapped[datetime] = mapped_column(index=True)
