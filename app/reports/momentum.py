"""A campaign's momentum in public: how many people have written, to how many MPs.

Counts only, never a person: letters delivered and the MPs who received them.
Shown on every campaign page view, so each process keeps a campaign's figures
(and its public map's) for MOMENTUM_CACHE_SECONDS (a minute by default)
instead of counting on each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import case, distinct, func, select

from app.extensions import db
from app.letters.models import WRITTEN_STATUSES, Letter, Recipient, RecipientStatus
from app.reports import stats
from app.reports.stats import Coverage
from app.targets.models import Target

T = TypeVar("T")


@dataclass(frozen=True)
class Momentum:
    letters: int  # delivered to MPs (or other targets), or confirmed to print and post
    mps: int  # MPs who have received at least one
    goal: int  # letters the campaign aims for; 0 for none
    # Its other targets who have received at least one, by body ("Testington
    # District Council", 3), most first: app/targets/.
    bodies: tuple[tuple[str, int], ...] = ()

    @property
    def goal_share(self) -> float:
        """How far towards the goal, from 0 to 1."""
        return min(self.letters / self.goal, 1.0) if self.goal else 0.0


def momentum(campaign_id: int, goal: int = 0) -> Momentum:
    """The campaign's figures, at most MOMENTUM_CACHE_SECONDS old."""

    def count() -> Momentum:
        to_an_mp = case((Letter.to_mp, Letter.mp_id))  # NULL for a letter to others only
        letters, mps, others = db.session.execute(
            select(
                func.count(),
                func.count(distinct(to_an_mp)),
                func.coalesce(func.sum(Letter.recipient_count), 0),
            ).where(
                Letter.campaign_id == campaign_id,
                Letter.status.in_(WRITTEN_STATUSES),
                Letter.follow_up_of_id.is_(None),  # a writer's second letter is not a second writer
            )
        ).one()
        return Momentum(letters, mps, goal, _bodies(campaign_id) if others else ())

    return kept(("momentum", campaign_id, goal), count)


def _bodies(campaign_id: int) -> tuple[tuple[str, int], ...]:
    """The campaign's other targets written to, counted by body: a person is
    their list and reference, the same through new versions of the list."""
    people = (
        select(Recipient.body, Target.list_id, Target.ref)
        .distinct()
        .join(Letter, Letter.id == Recipient.letter_id)
        .join(Target, Target.id == Recipient.target_id)
        .where(
            Letter.campaign_id == campaign_id,
            Recipient.status.in_((RecipientStatus.SENT, RecipientStatus.POSTED)),
        )
        .subquery()
    )
    count = func.count()
    rows = db.session.execute(
        select(people.c.body, count).group_by(people.c.body).order_by(count.desc(), people.c.body)
    )
    return tuple((body, n) for body, n in rows)


def coverage(campaign_id: int, body: str | None = None) -> Coverage:
    """The campaign's letters delivered by constituency (the public map): to
    MPs, or to the targets at `body`; at most MOMENTUM_CACHE_SECONDS old."""
    if body is None:
        return kept(("coverage", campaign_id), lambda: stats.coverage(campaign_id))
    return kept(("coverage", campaign_id, body), lambda: stats.body_coverage(campaign_id, body))


def kept(key: Hashable, count: Callable[[], T]) -> T:
    """count(), or this app's copy of it if under MOMENTUM_CACHE_SECONDS old."""
    copies: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault("momentum", {})
    now = time.monotonic()
    copy = copies.get(key)
    if copy is None or now >= copy[0]:
        copy = copies[key] = (now + current_app.config["MOMENTUM_CACHE_SECONDS"], count())
    return copy[1]
