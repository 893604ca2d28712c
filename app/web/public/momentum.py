"""A campaign's momentum in public: which MPs have heard from constituents."""

from __future__ import annotations

from flask import abort, render_template

from app.campaigns.campaigns import CampaignNotFound, get_public_campaign
from app.reference.postcodes import LookupUnavailable
from app.reference.representatives import reference_cache
from app.reports.hexmap import coverage_hexes, hexmap, legend
from app.reports.momentum import coverage as campaign_coverage
from app.web.public import bp


@bp.get("/c/<slug>/map")
def campaign_map(slug: str):
    """The hex map of MPs who have received letters, and the same as a table:
    counts only, as the dashboard shows them."""
    try:
        campaign = get_public_campaign(slug)
    except CampaignNotFound:
        abort(404)
    coverage = campaign_coverage(campaign.id)
    try:
        seats = reference_cache().get().by_gss
    except LookupUnavailable:  # no reference data yet: the page still answers
        seats = {}
    drawn = hexmap()
    hexes = coverage_hexes(drawn, coverage, seats) if drawn else []
    rows = sorted(
        ((seat.name, seat.mp.name, coverage.delivered.get(seat.constituency_id, 0))
         for seat in seats.values()),
        key=lambda row: (-row[2], row[0]),
    )  # fmt: skip
    return render_template(
        "campaigns/map.html", campaign=campaign, coverage=coverage, hexmap=drawn, hexes=hexes,
        legend=legend(), rows=rows, letters=sum(coverage.delivered.values()),
    )  # fmt: skip
