"""A/B tests of a campaign's share message (app/sharing/variants.py)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from app.campaigns.models import Campaign
from app.extensions import db
from app.sharing import variants
from app.web.admin import bp
from app.web.admin.forms import ShareTestForm
from app.web.forms import first_errors


@bp.route("/campaigns/<int:campaign_id>/share-test", methods=["GET", "POST"])
def share_test(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    form = ShareTestForm()
    if form.validate_on_submit():
        texts = {"B": form.text_b.data or "", "C": form.text_c.data or "",
                 "D": form.text_d.data or ""}  # fmt: skip
        try:
            variants.start_test(campaign, texts, form.hours.data or 72, admin=g.admin)
        except variants.ShareTestInvalid as exc:
            for name, message in exc.fields.items():
                getattr(form, name).errors = [message]
        else:
            flash("The test has started: each writer from now is given one message.", "success")
            return redirect(url_for("admin.share_test", campaign_id=campaign.id), code=303)
    test = variants.current_test(campaign.id)
    page = render_template(
        "admin/share_test.html", campaign=campaign, form=form, errors=first_errors(form),
        test=test, figures=variants.figures(test) if test else None,
    )  # fmt: skip
    return page, 422 if form.errors else 200
