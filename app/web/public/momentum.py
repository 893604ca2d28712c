"""A campaign's momentum in public: which MPs have heard from constituents."""

from __future__ import annotations

from flask import render_template

from app.reports.hexmap import coverage_map, legend
from app.reports.momentum import coverage as campaign_coverage
from app.web.public import bp, campaign_or_404


@bp.get("/c/<slug>/map")
def campaign_map(slug: str):
    """The hex map of MPs who have received letters, and the same as a table:
    counts only, as the dashboard shows them."""
    campaign = campaign_or_404(slug)
    coverage = campaign_coverage(campaign.id)
    drawn, hexes, seats = coverage_map(coverage)
    rows = sorted(
        ((seat.local_name, seat.mp.name, coverage.delivered.get(seat.constituency_id, 0))
         for seat in seats.values()),
        key=lambda row: (-row[2], row[0]),
    )  # fmt: skip
    return render_template(
        "campaigns/map.html", campaign=campaign, coverage=coverage, hexmap=drawn, hexes=hexes,
        legend=legend(), rows=rows, letters=sum(coverage.delivered.values()),
    )  # fmt: skip
