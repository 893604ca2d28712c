"""A partner's own figures: what its widget brought, for the partner to see.

Partners ask "how many people wrote through my site?" (WriteToThem #389).
Their page (a signed link from the admin) and the API (their key) answer
from here: letters confirmed through their widget by day and by MP, how
many were delivered, and the k-factor of their readers: letters written
through the share links of letters that came through the partner, per
letter of theirs delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.reference.models import MP, Constituency
from app.reports.stats import as_date

DAYS_SHOWN = 30


@dataclass(frozen=True)
class ByMP:
    mp: str
    constituency: str
    letters: int


@dataclass(frozen=True)
class PartnerFigures:
    confirmed: int  # letters whose writers confirmed them
    delivered: int
    per_day: list[tuple[date, int]]  # confirmed letters by the day they were written
    by_mp: list[ByMP]  # most first
    referred: int  # letters written through the share links of this partner's letters

    @property
    def k_factor(self) -> float:
        """Letters caused per letter delivered: above 1, the partner's readers spread it."""
        return self.referred / self.delivered if self.delivered else 0.0

    def as_json(self) -> dict:
        return {
            "confirmed": self.confirmed,
            "delivered": self.delivered,
            "referred": self.referred,
            "k_factor": round(self.k_factor, 3),
            "per_day": [{"date": day.isoformat(), "letters": count} for day, count in self.per_day],
            "by_mp": [
                {"mp": row.mp, "constituency": row.constituency, "letters": row.letters}
                for row in self.by_mp
            ],
        }


def figures(partner_id: int, days: int = DAYS_SHOWN) -> PartnerFigures:
    ours = (Letter.partner_id == partner_id, Letter.confirmed_at.is_not(None))
    confirmed, delivered = db.session.execute(
        select(func.count(), func.count().filter(Letter.status == LetterStatus.SENT)).where(*ours)
    ).one()
    today = utcnow().date()
    since = today - timedelta(days=days - 1)
    day = func.date(Letter.created_at)
    counted = {
        as_date(value): count
        for value, count in db.session.execute(
            select(day, func.count()).where(*ours, Letter.created_at >= since).group_by(day)
        )
    }
    per_day = [(since + timedelta(days=n), counted.get(since + timedelta(days=n), 0))
               for n in range(days)]  # fmt: skip
    by_mp = [
        ByMP(name, place, count)
        for name, place, count in db.session.execute(
            select(MP.name, Constituency.name, func.count())
            .select_from(Letter)
            .join(MP, MP.id == Letter.mp_id)
            .join(Constituency, Constituency.id == Letter.constituency_id)
            .where(*ours)
            .group_by(MP.name, Constituency.name)
            .order_by(func.count().desc(), Constituency.name)
        )
    ]
    sharer = aliased(Letter)
    referred = db.session.scalar(
        select(func.count())
        .select_from(Letter)
        .join(sharer, sharer.id == Letter.referred_by_id)
        .where(sharer.partner_id == partner_id, Letter.confirmed_at.is_not(None))
    )
    return PartnerFigures(confirmed, delivered, per_day, by_mp, referred or 0)
