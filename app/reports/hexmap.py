"""The hex cartogram of all 650 constituencies (one equal-area hexagon each).

Flat-top hexagons: centre x = col * 1.5 * size, centre y = row * sqrt(3)/2 * size,
row 0 at the top (see the data README). Drawn on the server as SVG.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from app.i18n import N_, gettext, ngettext
from app.reference.postcodes import LookupUnavailable
from app.reference.representatives import reference_cache
from app.reports.stats import Coverage

SIZE = 10.0
# Letters delivered -> fill: a sequential blue scale, darker for more. Every
# step is at least 3:1 against "none" (WCAG's contrast for graphics), and each
# is named in the legend and given in a table beside the map.
NONE = "#f3f2f1"
BUCKETS = (
    (0, NONE, N_("no letters yet")),
    (1, "#4292c6", N_("1 letter")),
    (2, "#2171b5", N_("2 to 4")),
    (5, "#08519c", N_("5 to 19")),
    (20, "#08306b", N_("20 or more")),
)


@dataclass(frozen=True)
class Hex:
    gss_code: str
    name: str
    region: str
    points: str  # SVG polygon points
    cx: float
    cy: float


@dataclass(frozen=True)
class HexMap:
    hexes: tuple[Hex, ...]
    width: float
    height: float


def _polygon(cx: float, cy: float) -> str:
    return " ".join(
        f"{cx + SIZE * math.cos(math.radians(a)):.2f},{cy + SIZE * math.sin(math.radians(a)):.2f}"
        for a in range(0, 360, 60)
    )


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> HexMap:
    data = json.loads(Path(path).read_text())
    hexes = []
    for item in data["hexes"]:
        cx = item["col"] * 1.5 * SIZE + SIZE
        cy = item["row"] * math.sqrt(3) / 2 * SIZE + SIZE
        hexes.append(
            Hex(item["gss_code"], item["name"], item.get("region", ""), _polygon(cx, cy), cx, cy)
        )
    width = max(h.cx for h in hexes) + SIZE
    height = max(h.cy for h in hexes) + SIZE
    return HexMap(tuple(hexes), round(width, 1), round(height, 1))


def hexmap() -> HexMap | None:
    """The map from DATA_DIR, or None if the file is not there (the table still shows)."""
    path = Path(current_app.config["DATA_DIR"]) / "constituency_hexes.json"
    if not path.exists():
        return None
    return _load(str(path), path.stat().st_mtime)


def bucket(value: float, buckets=BUCKETS) -> tuple[str, str]:
    """(fill colour, legend label) of the highest bucket whose threshold `value`
    reaches (a number of letters delivered, by default)."""
    chosen = buckets[0]
    for step in buckets:
        if value >= step[0]:
            chosen = step
    return chosen[1], chosen[2]


@dataclass(frozen=True)
class MapHex:
    points: str
    fill: str
    label: str  # what hover, focus and screen readers tell
    count: int


def coverage_hexes(
    drawn: HexMap, coverage: Coverage, seats_by_gss: dict, body: str | None = None
) -> list[MapHex]:
    """Each constituency's hexagon, filled by the letters delivered to its MP,
    or by its writers' letters delivered to the targets at `body`."""
    hexes = []
    for h in drawn.hexes:
        seat = seats_by_gss.get(h.gss_code)
        count = coverage.delivered.get(seat.constituency_id, 0) if seat else 0
        fill, _ = bucket(count)
        # Named as the table beside the map names it: from the loaded data.
        if body is not None:
            label = ngettext("%(name)s: %(num)s letter delivered to %(body)s",
                             "%(name)s: %(num)s letters delivered to %(body)s", count,
                             name=seat.local_name if seat else h.name, body=body)  # fmt: skip
        else:
            name = f"{seat.local_name} ({seat.mp.name})" if seat else h.name
            label = ngettext("%(name)s: %(num)s letter delivered",
                             "%(name)s: %(num)s letters delivered", count, name=name)  # fmt: skip
        hexes.append(MapHex(h.points, fill, label, count))
    return hexes


def legend(buckets=BUCKETS) -> list[tuple[str, str]]:
    """(colour, label) for each step of a map's scale, in the reader's language."""
    return [(colour, gettext(label)) for _, colour, label in buckets]


def coverage_map(
    coverage: Coverage, body: str | None = None
) -> tuple[HexMap | None, list[MapHex], dict]:
    """The hex map drawn for these counts (to MPs, or to `body`): (the map,
    its hexagons, the seats by GSS code). No reference data yet: no seats,
    and every hexagon unnamed."""
    try:
        seats = reference_cache().get().by_gss
    except LookupUnavailable:
        seats = {}
    drawn = hexmap()
    return drawn, coverage_hexes(drawn, coverage, seats, body) if drawn else [], seats
