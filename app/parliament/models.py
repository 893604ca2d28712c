"""The dissolution periods an admin sets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class Dissolution(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    dissolved_on: Mapped[date]  # from the start of this day (UK), letters wait
    election_on: Mapped[date]  # polling day, as writers are told
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]  # an admin ended it: the new MPs are loaded
