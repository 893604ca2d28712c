"""The dashboard home: the numbers that matter."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.campaigns.editing import all_campaigns
from app.outbox import pauses
from app.outbox.health import mail_health
from app.outbox.signing import dkim_signer
from app.reports import stats
from app.reports.hexmap import coverage_map, legend
from app.sharing import links, tracking
from app.web.admin import bp
from app.web.admin.charts import STACK_ORDER, STATUS_COLOURS, day_bars
from app.webhooks.endpoints import troubled


def selected_campaign():
    """The campaign chosen with ?campaign=slug, or None for all of them."""
    slug = request.args.get("campaign")
    campaigns = all_campaigns()
    return next((c for c in campaigns if c.slug == slug), None), campaigns


@bp.get("/")
def dashboard():
    campaign, campaigns = selected_campaign()
    campaign_id = campaign.id if campaign else None
    coverage = stats.coverage(campaign_id)
    days = stats.per_day(30, campaign_id)
    bars, top = day_bars(days)
    hexes_map, hexes, _ = coverage_map(coverage)
    return render_template(
        "admin/dashboard.html",
        campaign=campaign,
        campaigns=campaigns,
        coverage=coverage,
        totals=stats.totals(campaign_id),
        sources=stats.by_source(campaign_id),
        partners=stats.by_partner(campaign_id),
        bodies=stats.by_body(campaign_id),
        days=days,
        bars=bars,
        top=top,
        hexmap=hexes_map,
        hexes=hexes,
        legend=legend(),
        colours=STATUS_COLOURS,
        stack_order=STACK_ORDER,
        mail=mail_health(),
        webhooks_troubled=troubled(),
        mail_signed=dkim_signer() is not None,
        funnel=tracking.funnel(campaign_id),
        group_clicks=tracking.group_clicks(campaign_id),
        channels=links.CHANNELS,
    )


@bp.post("/mail/paused/<domain>/resume")
def resume_domain(domain: str):
    """Send to a paused domain again now (the refusal's cause is fixed)."""
    if pauses.resume(domain, g.admin):
        flash(f"Mail to {domain} goes again now.", "success")
    else:
        flash(f"Mail to {domain} was not paused.", "error")
    return redirect(url_for("admin.dashboard"), code=303)
