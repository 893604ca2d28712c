"""The periodic jobs the worker runs between batches, and how often (seconds).

Each feature declares its own where it lives (its package's `outbox.py`,
with `declare`); app/features.py registers them, in its order, when the app
is made. The outbox imports no feature to know them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PERIODIC: dict[Callable[[], int], float] = {}  # each job, in the order declared


@dataclass
class Job:
    run: Callable[[], int]
    every: float
    due: float = 0.0


def declare(run: Callable[[], int], every: float) -> None:
    """A feature's periodic job (declaring it again keeps its place)."""
    PERIODIC[run] = every


def jobs() -> list[Job]:
    """A fresh schedule for one worker."""
    return [Job(run, every) for run, every in PERIODIC.items()]
