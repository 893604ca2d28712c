"""API keys: what an organisation's or a partner's systems use to read the OSDI API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class Scope(StrEnum):
    """What a key may do. Campaigns and tags are public: any key reads them."""

    READ_PEOPLE = "people:read"  # subscribers, their consents and constituency
    READ_OUTREACHES = "outreaches:read"  # letters' targets, dates and attribution
    WRITE_PEOPLE = "people:write"  # sign people up (the person signup helper)

    @property
    def about_people(self) -> bool:
        """Only the organisation running the site holds people's consent."""
        return self in (Scope.READ_PEOPLE, Scope.WRITE_PEOPLE)


class ApiKey(Model):
    """A key is shown once, when made; only its SHA-256 is kept (it is 32
    random bytes, so a fast hash is enough: nothing to guess, unlike a
    password), with its first characters to tell keys apart."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # what it is for, in the admin's words
    prefix: Mapped[str] = mapped_column(String(16))  # "wtym_" and the first characters
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the key
    scopes_text: Mapped[str] = mapped_column(String(200))  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    # After a rotation the old key works until this moment (no downtime).
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def scopes(self) -> frozenset[Scope]:
        return frozenset(Scope(value) for value in self.scopes_text.split())
