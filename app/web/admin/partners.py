"""Partners: who may embed the widget, and where."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.campaigns.editing import all_campaigns
from app.links import external_url
from app.partners.models import Partner
from app.partners.registry import (
    FIGURES_LINK_DAYS,
    PartnerError,
    figures_token,
    list_partners,
    save_partner,
    set_active,
)
from app.partners.widget import embed_code
from app.web.admin import bp
from app.web.admin.forms import PartnerForm
from app.web.forms import first_errors


@bp.get("/partners")
def partners():
    live = [c for c in all_campaigns() if c.is_live]
    embeds = {
        p.slug: [(c, embed_code(campaign=c.slug, partner=p.slug)) for c in live]
        for p in list_partners()
    }
    # Each partner's private page of its own figures, to send it (a fresh link each time).
    figures = {
        p.slug: external_url("public.partner_figures", token=figures_token(p.id))
        for p in list_partners()
    }
    return render_template(
        "admin/partners.html", partners=list_partners(), embeds=embeds, figures=figures,
        link_days=FIGURES_LINK_DAYS,
    )  # fmt: skip


def _partner(slug: str) -> Partner | None:
    return next((p for p in list_partners() if p.slug == slug), None)


@bp.route("/partners/new", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/partners/<slug>", methods=["GET", "POST"])
def partner_edit(slug: str | None):
    partner = _partner(slug) if slug else None
    if slug and partner is None:
        abort(404)
    form = PartnerForm(
        data={"slug": partner.slug, "name": partner.name, "origins": partner.origins_text,
              "active": partner.active} if partner and request.method == "GET" else None
    )  # fmt: skip
    if form.validate_on_submit():
        try:
            saved = save_partner(
                # Validated: every field is required, so none is None.
                partner.slug if partner else (form.slug.data or "").strip(),
                name=form.name.data or "",
                origins=(form.origins.data or "").split(),
                active=form.active.data,
                admin=g.admin,
            )
        except PartnerError as exc:
            form.origins.errors = [str(exc)]
        else:
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("admin.partners"), code=303)
    status = 422 if form.errors else 200
    return render_template(
        "admin/partner_edit.html", form=form, partner=partner, errors=first_errors(form)
    ), status


@bp.post("/partners/<slug>/active")
def partner_active(slug: str):
    active = request.form.get("active") == "1"
    try:
        set_active(slug, active, admin=g.admin)
    except PartnerError:
        abort(404)
    flash(f"{slug} is now {'active' if active else 'disabled'}.", "success")
    return redirect(url_for("admin.partners"), code=303)
