"""The sharing loop's periodic job, as the worker runs it."""

from __future__ import annotations

from app.outbox import jobs
from app.sharing.variants import decide_share_tests


def register() -> None:
    # A share message's A/B test whose hours are up: its winner for everyone.
    jobs.declare(decide_share_tests, 60)
