"""A campaign's momentum in public: which MPs have heard from constituents,
and, in a campaign with other targets, where letters to each body came from."""

from __future__ import annotations

from flask import abort, render_template, request

from app.reports.hexmap import coverage_map, legend
from app.reports.momentum import coverage as campaign_coverage
from app.reports.momentum import momentum
from app.web.public import bp, campaign_or_404


@bp.get("/c/<slug>/map")
def campaign_map(slug: str):
    """The hex map of MPs who have received letters (or, with `?body=`, of
    where the letters to one of the campaign's other bodies came from), and
    the same as a table: counts only, as the dashboard shows them."""
    campaign = campaign_or_404(slug)
    bodies = [name for name, _ in momentum(campaign.id).bodies]
    body = request.args.get("body")
    if body is not None and body not in bodies:
        # Not a body the campaign's letters have reached (as its momentum,
        # which the page's links come from, counts them): nothing is queried
        # or kept for a made-up name.
        abort(404)
    coverage = campaign_coverage(campaign.id, body)
    drawn, hexes, seats = coverage_map(coverage, body)
    rows = sorted(
        ((seat.local_name, seat.mp.name, coverage.delivered.get(seat.constituency_id, 0))
         for seat in seats.values()),
        key=lambda row: (-row[2], row[0]),
    )  # fmt: skip
    return render_template(
        "campaigns/map.html", campaign=campaign, coverage=coverage, hexmap=drawn, hexes=hexes,
        legend=legend(), rows=rows, letters=sum(coverage.delivered.values()), body=body,
        bodies=bodies,
    )  # fmt: skip
