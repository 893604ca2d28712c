"""A campaign's momentum in public: how many people have written, to how many MPs.

Counts only, never a person: letters delivered and the MPs who received them.
Shown on every campaign page view, so each process keeps a campaign's figures
for MOMENTUM_CACHE_SECONDS (a minute by default) instead of counting on each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import distinct, func, select

from app.extensions import db
from app.letters.models import Letter, LetterStatus

# Letters that reached their MPs: by email, or printed and posted by their writers.
WRITTEN = (LetterStatus.SENT, LetterStatus.POSTED)


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
    # This app's copies: campaign id -> (kept until, figures).
    copies: dict[int, tuple[float, Momentum]] = current_app.extensions.setdefault("momentum", {})
    kept = copies.get(campaign_id)
    now = time.monotonic()
    if kept is None or now >= kept[0] or kept[1].goal != goal:
        letters, mps = db.session.execute(
            select(func.count(), func.count(distinct(Letter.mp_id))).where(
                Letter.campaign_id == campaign_id, Letter.status.in_(WRITTEN)
            )
        ).one()
        kept = (now + current_app.config["MOMENTUM_CACHE_SECONDS"], Momentum(letters, mps, goal))
        copies[campaign_id] = kept
    return kept[1]
