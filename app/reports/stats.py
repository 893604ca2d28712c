"""The numbers that matter, computed by indexed GROUP BY queries, never by loading rows.

The headline is the one that mattered in 2009: how many of the 650 MPs have
received at least one letter from their own constituents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus, Recipient, RecipientStatus
from app.partners.models import Partner
from app.reference.models import Constituency
from app.targets.models import Target

S = LetterStatus
Key = TypeVar("Key")  # what by_group groups by
NOT_CONFIRMED = (S.PENDING, S.EXPIRED)


@dataclass
class Coverage:
    seats: int
    heard: int  # constituencies whose MP has received at least one letter
    delivered: dict[int, int]  # constituency id -> letters delivered

    @property
    def share(self) -> float:
        return self.heard / self.seats if self.seats else 0.0


@dataclass
class Breakdown:
    """Letters by state, for one group (a partner, a source, the whole campaign)."""

    label: str
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return sum(self.by_status.values())

    @property
    def confirmed(self) -> int:
        return self.written - sum(self.by_status.get(s, 0) for s in NOT_CONFIRMED)

    @property
    def sent(self) -> int:
        return self.by_status.get(S.SENT, 0)

    @property
    def confirmation_rate(self) -> float:
        # Letters still inside their 7 days may yet be confirmed; they count as not yet.
        return self.confirmed / self.written if self.written else 0.0


def _scoped(query, campaign_id: int | None):
    return query.where(Letter.campaign_id == campaign_id) if campaign_id else query


def coverage(campaign_id: int | None = None) -> Coverage:
    """Letters delivered to MPs, by constituency (a letter written only to
    others is not the MP's)."""
    rows = db.session.execute(
        _scoped(
            select(Letter.constituency_id, func.count())
            .where(Letter.status == S.SENT, Letter.to_mp.is_(True))
            .group_by(Letter.constituency_id),
            campaign_id,
        )
    ).all()
    return _coverage(dict(rows))


def body_coverage(campaign_id: int, body: str) -> Coverage:
    """Letters delivered to the campaign's targets at `body` (a council, the
    Senedd, a department), by the constituency their writers live in."""
    rows = db.session.execute(
        select(Letter.constituency_id, func.count(distinct(Letter.id)))
        .join(Recipient, Recipient.letter_id == Letter.id)
        .where(Letter.campaign_id == campaign_id, Recipient.body == body,
               Recipient.status == RecipientStatus.SENT)
        .group_by(Letter.constituency_id)
    ).all()  # fmt: skip
    return _coverage(dict(rows))


def _coverage(delivered: dict[int, int]) -> Coverage:
    seats = db.session.scalar(select(func.count()).select_from(Constituency)) or 650
    return Coverage(seats=seats, heard=len(delivered), delivered=delivered)


def totals(campaign_id: int | None = None) -> Breakdown:
    rows = db.session.execute(
        _scoped(select(Letter.status, func.count()).group_by(Letter.status), campaign_id)
    ).all()
    return Breakdown("All letters", dict(rows))


def by_group(
    column: InstrumentedAttribute[Key], campaign_id: int | None = None
) -> dict[Key, Breakdown]:
    rows = db.session.execute(
        _scoped(
            select(column, Letter.status, func.count()).group_by(column, Letter.status),
            campaign_id,
        )
    ).all()
    groups: dict[Key, Breakdown] = {}
    for key, status, count in rows:
        groups.setdefault(key, Breakdown(str(key))).by_status[status] = count
    return groups


def by_source(campaign_id: int | None = None) -> list[Breakdown]:
    groups = by_group(Letter.source, campaign_id)
    return sorted(groups.values(), key=lambda b: -b.written)


def by_partner(campaign_id: int | None = None) -> list[Breakdown]:
    groups = by_group(Letter.partner_id, campaign_id)
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    for partner_id, breakdown in groups.items():
        breakdown.label = (
            names.get(partner_id, "(unknown)") if partner_id else "Direct (no partner)"
        )
    return sorted(groups.values(), key=lambda b: -b.written)


@dataclass
class Day:
    day: date
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class BodyFigures:
    """A body's recipients (app/targets/): how many people, and their letters by state."""

    body: str
    people: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def by_body(campaign_id: int | None = None) -> list[BodyFigures]:
    """Letters to targets other than MPs, by body and recipient state, most first."""

    def grouped(*columns):
        query = select(Recipient.body, *columns).join(Letter, Letter.id == Recipient.letter_id)
        return db.session.execute(_scoped(query.group_by(Recipient.body, *columns[:-1]),
                                          campaign_id)).all()  # fmt: skip

    bodies: dict[str, BodyFigures] = {}
    for body, status, count in grouped(Recipient.status, func.count()):
        bodies.setdefault(body, BodyFigures(body)).by_status[status] = count
    # A person is their list and reference, the same through new versions.
    people = _scoped(
        select(Recipient.body, Target.list_id, Target.ref).distinct()
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Target, Target.id == Recipient.target_id),
        campaign_id,
    ).subquery()  # fmt: skip
    for body, count in db.session.execute(
        select(people.c.body, func.count()).group_by(people.c.body)
    ):
        # setdefault: a body first written to between the two queries
        bodies.setdefault(body, BodyFigures(body)).people = count
    return sorted(bodies.values(), key=lambda b: (-sum(b.by_status.values()), b.body))


def as_date(value) -> date:
    """A day from SQL's date(): a date on PostgreSQL, its text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def per_day(days: int = 30, campaign_id: int | None = None) -> list[Day]:
    """Letters written per day (by their state now), oldest first, every day present."""
    today = utcnow().date()
    since = today - timedelta(days=days - 1)
    day = func.date(Letter.created_at)
    rows = db.session.execute(
        _scoped(
            select(day, Letter.status, func.count())
            .where(Letter.created_at >= since)
            .group_by(day, Letter.status),
            campaign_id,
        )
    ).all()
    counts: dict[date, dict[str, int]] = {since + timedelta(days=i): {} for i in range(days)}
    for value, status, count in rows:
        counts.setdefault(as_date(value), {})[status] = count
    return [Day(d, counts[d]) for d in sorted(counts)]
