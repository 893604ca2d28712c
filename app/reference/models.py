"""Reference data: constituencies, their sitting MPs, and the postcode index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model, utcnow
from app.i18n import current_language

NO_EMAIL_VALUES = {"", "no email found"}


def in_reader_language(english: str, welsh: str | None) -> str:
    """A place's name in the language being used: its Welsh name, where it
    has one, for a Welsh reader (the page's, or the email's under force_locale)."""
    return welsh if welsh and current_language() == "cy" else english


class Constituency(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    gss_code: Mapped[str] = mapped_column(String(9), unique=True)
    mysociety_id: Mapped[str] = mapped_column(String(24), unique=True)
    three_code: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(120))
    name_cy: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(40), default="")

    mp: Mapped[MP | None] = relationship(back_populates="constituency", uselist=False)

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_cy)


class MP(Model):
    """The sitting MP of one constituency: one row per seat, updated in place.

    `source_email` is what the reference data says, kept as loaded (including
    'No email found'); `email_override` is set by an admin and wins.
    """

    __tablename__ = "mp"

    id: Mapped[int] = mapped_column(primary_key=True)
    constituency_id: Mapped[int] = mapped_column(ForeignKey("constituency.id"), unique=True)
    member_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(120))
    full_title: Mapped[str] = mapped_column(String(160), default="")
    party: Mapped[str] = mapped_column(String(80), default="")
    source_email: Mapped[str] = mapped_column(String(254), default="")
    email_override: Mapped[str | None] = mapped_column(String(254))
    is_vacant: Mapped[bool] = mapped_column(default=False)
    # A letter to this address bounced (app/bounces/): letters to it wait
    # while it is still the MP's address, so a new address from an admin's
    # override or a data load lifts the flag by itself.
    bounced_address: Mapped[str | None] = mapped_column(String(254))
    bounced_at: Mapped[datetime | None]
    bounce_diagnostic: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    constituency: Mapped[Constituency] = relationship(back_populates="mp")

    @property
    def email(self) -> str | None:
        """The address letters go to, or None when there is no usable one."""
        if self.is_vacant:
            return None
        if self.email_override:
            return self.email_override
        if self.source_email.strip().lower() in NO_EMAIL_VALUES or "@" not in self.source_email:
            return None
        return self.source_email.strip()

    @property
    def address_bounced(self) -> bool:
        """Letters to this MP wait: their current address is the one that bounced."""
        email = self.email
        return email is not None and email.lower() == (self.bounced_address or "").lower()


class StoredPostcodeIndex(Model):
    """The compiled postcode lookup (a `PostcodeIndex` as bytes): one row,
    replaced by each `data load`.

    `keys` is a sorted array of int64 (each postcode read as base 36) and
    `slots` a parallel uint16 array indexing `slot_codes` (GSS codes); see
    app/reference/postcodes.py. Kept in the database so every app host reads
    the same data far sooner than it could parse 1.7 million CSV rows
    (docs/performance.md).
    """

    __tablename__ = "postcode_index"

    id: Mapped[int] = mapped_column(primary_key=True)
    keys: Mapped[bytes] = mapped_column(LargeBinary)
    slots: Mapped[bytes] = mapped_column(LargeBinary)
    slot_codes: Mapped[str] = mapped_column(Text)  # JSON list
    postcode_count: Mapped[int]
    # Each postcode's country, county, council and ward (an `AreaIndex`,
    # app/reference/areas.py): four uint16 slots a postcode indexing
    # `area_codes`; empty when the Code-Point file had no admin columns.
    areas: Mapped[bytes | None] = mapped_column(LargeBinary)
    area_codes: Mapped[str | None] = mapped_column(Text)  # JSON list
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferenceState(Model):
    """A counter bumped whenever reference data changes, so caches refresh."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
