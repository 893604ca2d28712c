"""Partners: sites that embed the widget, credited for the letters they bring."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Model, utcnow


class Partner(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # One origin per line, e.g. https://blog.example.org
    origins_text: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.origins_text.splitlines() if line.strip()]
