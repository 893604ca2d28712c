"""Chart geometry for the dashboard's server-drawn SVG (no chart library, nothing fetched)."""

from __future__ import annotations

from dataclasses import dataclass

from app.letters.models import LetterStatus
from app.reports.stats import Day

S = LetterStatus
# Colours from the GOV.UK palette; each state is also named in the legend and table.
STATUS_COLOURS = {
    S.SENT: "#00703c", S.QUEUED: "#1d70b8", S.HELD: "#f47738", S.PENDING: "#b1b4b6",
    S.FAILED: "#d4351c", S.EXPIRED: "#6f777b", S.REJECTED: "#4c2c92", S.CANCELLED: "#505a5f",
    S.WAITING: "#912b88", S.POSTED: "#005a30",
}  # fmt: skip
STACK_ORDER = (S.SENT, S.POSTED, S.QUEUED, S.HELD, S.WAITING, S.PENDING, S.FAILED, S.REJECTED,
               S.CANCELLED, S.EXPIRED)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    colour: str
    status: str
    count: int


@dataclass(frozen=True)
class Bar:
    x: float
    day: Day
    segments: tuple[Segment, ...]


def day_bars(days: list[Day], *, height: float = 160, width: float = 640) -> tuple[list[Bar], int]:
    """Stacked bars of letters per day by state; returns the bars and the axis maximum."""
    top = max((d.total for d in days), default=0) or 1
    step = width / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        y = height
        segments = []
        for status in STACK_ORDER:
            count = day.by_status.get(status, 0)
            if count:
                h = count / top * height
                y -= h
                segments.append(
                    Segment(round(y, 2), round(h, 2), STATUS_COLOURS[status], status, count)
                )
        bars.append(Bar(round(i * step, 2), day, tuple(segments)))
    return bars, top
