"""Chart geometry for the dashboard's server-drawn SVG (no chart library, nothing fetched)."""

from __future__ import annotations

from dataclasses import dataclass

from app.letters.models import LetterStatus
from app.reports.stats import Day

# Colours from the GOV.UK palette; each state is also named in the legend and table.
STATUS_COLOURS = {
    LetterStatus.SENT: "#00703c",
    LetterStatus.QUEUED: "#1d70b8",
    LetterStatus.HELD: "#f47738",
    LetterStatus.PENDING: "#b1b4b6",
    LetterStatus.FAILED: "#d4351c",
    LetterStatus.EXPIRED: "#6f777b",
    LetterStatus.REJECTED: "#4c2c92",
    LetterStatus.CANCELLED: "#505a5f",
    LetterStatus.WAITING: "#912b88",
    LetterStatus.POSTED: "#005a30",
}
# Bottom to top: delivered first, then on the way, then what never went.
STACK_ORDER = (
    LetterStatus.SENT, LetterStatus.POSTED, LetterStatus.QUEUED, LetterStatus.HELD,
    LetterStatus.WAITING, LetterStatus.PENDING, LetterStatus.FAILED, LetterStatus.REJECTED,
    LetterStatus.CANCELLED, LetterStatus.EXPIRED,
)  # fmt: skip


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
