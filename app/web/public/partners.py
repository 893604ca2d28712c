"""A partner's own page: what its widget brought (a signed link from the admin)."""

from __future__ import annotations

from flask import abort, make_response, render_template

from app.partners.registry import FIGURES_LINK_DAYS, partner_for_figures
from app.reports.partners import figures
from app.web.public import bp
from app.web.security import private_page
from app.webhooks.endpoints import overview


@bp.get("/partners/figures/<token>")
def partner_figures(token: str):
    partner = partner_for_figures(token)
    if partner is None:
        abort(404)
    endpoints = [view for view in overview() if view.endpoint.partner_id == partner.id]
    page = render_template(
        "partners/figures.html", partner=partner, figures=figures(partner.id),
        endpoints=endpoints, link_days=FIGURES_LINK_DAYS,
    )  # fmt: skip
    return private_page(make_response(page))
