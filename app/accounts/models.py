"""Admin accounts, their sessions, and the audit log of everything they do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model, utcnow


class Role(StrEnum):
    ADMIN = "admin"  # everything
    VIEWER = "viewer"  # read only: no changes, no letter bodies


class AdminUser(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[Role] = mapped_column(String(10), default=Role.VIEWER)
    # Base32 TOTP secret; None until enrolled. The last accepted time-step
    # is kept so a code can never be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When `flask admin deactivate` ended the account: RETENTION_AUDIT_DAYS
    # later its address is erased wherever it was recorded (app/privacy).
    deactivated_at: Mapped[datetime | None]

    @property
    def can_edit(self) -> bool:
        return self.role == Role.ADMIN


class AdminSession(Model):
    """A server-side session: the cookie holds a random token, we keep its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    admin: Mapped[AdminUser] = relationship()


class AuditEvent(Model):
    """Who did what, to what, and when. Never holds a body or a constituent's address."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id"))
    actor: Mapped[str] = mapped_column(String(254))  # the admin's email, kept if they are deleted
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(30), default="")
    target_id: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_target", "target_type", "target_id"),
    )
