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
from sqlalchemy import distinct, func, select

from app.extensions import db
from app.letters.models import WRITTEN_STATUSES, Letter
from app.reports import stats
from app.reports.stats import Coverage

T = TypeVar("T")


@dataclass(frozen=True)
class Momentum:
    letters: int  # delivered to MPs, or confirmed to print and post
    mps: int  # MPs who have received at least one
    goal: int  # letters the campaign aims for; 0 for none

    @property
    def goal_share(self) -> float:
        """How far towards the goal, from 0 to 1."""
        return min(self.letters / self.goal, 1.0) if self.goal else 0.0


def momentum(campaign_id: int, goal: int = 0) -> Momentum:
    """The campaign's figures, at most MOMENTUM_CACHE_SECONDS old."""

    def count() -> Momentum:
        letters, mps = db.session.execute(
            select(func.count(), func.count(distinct(Letter.mp_id))).where(
                Letter.campaign_id == campaign_id,
                Letter.status.in_(WRITTEN_STATUSES),
                Letter.follow_up_of_id.is_(None),  # a writer's second letter is not a second writer
            )
        ).one()
        return Momentum(letters, mps, goal)

    return kept(("momentum", campaign_id, goal), count)


def coverage(campaign_id: int) -> Coverage:
    """The campaign's letters delivered by constituency (the public map), at
    most MOMENTUM_CACHE_SECONDS old."""
    return kept(("coverage", campaign_id), lambda: stats.coverage(campaign_id))


def kept(key: Hashable, count: Callable[[], T]) -> T:
    """count(), or this app's copy of it if under MOMENTUM_CACHE_SECONDS old."""
    copies: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault("momentum", {})
    now = time.monotonic()
    copy = copies.get(key)
    if copy is None or now >= copy[0]:
        copy = copies[key] = (now + current_app.config["MOMENTUM_CACHE_SECONDS"], count())
    return copy[1]
