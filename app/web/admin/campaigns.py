"""The campaign editor: write, preview (the page and the MP's email), open and close."""

from __future__ import annotations

import base64

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from app.accounts.sign_in import session_for_token
from app.campaigns import branding
from app.campaigns.editing import (
    EDITABLE,
    CampaignInvalid,
    all_campaigns,
    campaign_problems,
    save_campaign,
    set_campaign_status,
)
from app.campaigns.languages import text_keys
from app.campaigns.models import TRANSLATED, Campaign, CampaignStatus
from app.extensions import db
from app.i18n import translated
from app.partners.registry import list_partners
from app.partners.widget import embed_code
from app.web.admin import COOKIE, bp
from app.web.admin.forms import CampaignForm, campaign_form_class
from app.web.admin.previews import campaign_preview
from app.web.forms import first_errors


@bp.get("/campaigns")
def campaigns():
    return render_template("admin/campaigns.html", campaigns=all_campaigns())


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _editor(
    form: CampaignForm,
    campaign: Campaign | None,
    status: int = 200,
    picture: branding.Picture | None = None,
):
    fields = {name: value or "" for name, value in _fields(form).items()}
    embeds = (
        [(p, embed_code(campaign=campaign.slug, partner=p.slug)) for p in list_partners()]
        if campaign
        else []
    )
    page = render_template(
        "admin/campaign_edit.html",
        form=form,
        campaign=campaign,
        preview=campaign_preview(fields),
        embeds=embeds,
        # The picture chosen but not saved yet, to show (a data: URI, as the CSP allows).
        pending_picture=(
            "data:image/jpeg;base64," + base64.b64encode(picture.data).decode() if picture else None
        ),
        errors=first_errors(form),
        languages=translated(),
        texts=TRANSLATED,
    )
    return page, status


def _fields(form: CampaignForm) -> dict:
    """What the editor sends: the campaign's fields and its texts in each language."""
    keys = [*EDITABLE, *(key for key, _, _ in text_keys())]
    return {key: form[key].data for key in keys}


@bp.url_value_preprocessor  # runs before any hook reads the form (CSRF's does)
def _room_for_a_picture(endpoint: str | None, values: dict | None) -> None:
    """The campaign editor takes a picture: more than the site's own limit."""
    if endpoint not in ("admin.campaign_new", "admin.campaign_edit"):
        return
    # Only for a signed-in editor: anyone else's request keeps the site's limit
    # (the CSRF check reads the form before the admin's sign-in is checked).
    live = session_for_token(request.cookies.get(COOKIE))
    if live is not None and live.admin.can_edit:
        # The upload, a picture carried from the last try (base64 of at most
        # a resized JPEG), and the form's other fields.
        request.max_content_length = branding.UPLOAD_BYTES + 2 * 1024 * 1024


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    form = campaign_form_class()(data={"status": "draft"} if request.method == "GET" else None)
    return _save_or_show(form, None)


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign_edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if request.method == "GET":
        texts = {
            key: getattr(campaign.texts.get(code), name, "") for key, code, name in text_keys()
        }
        form = campaign_form_class()(obj=campaign, data=texts)
    else:
        form = campaign_form_class()()
    return _save_or_show(form, campaign)


def _save_or_show(form: CampaignForm, campaign: Campaign | None):
    if request.method != "POST":
        return _editor(form, campaign)
    valid = form.validate()
    fields = _fields(form)
    picture, problems = _picture_chosen(form, campaign)
    # A preview is checked as a save is ("banana" is no colour), and saves nothing.
    problems |= campaign_problems(fields, campaign.id if campaign else None)
    if not valid or problems or request.form.get("action") == "preview":
        for name, message in problems.items():
            form[name].errors = [message]
        # The picture chosen goes back with the form, so it is not lost.
        form.pending_image.data = base64.b64encode(picture.data).decode() if picture else ""
        return _editor(form, campaign, 422 if form.errors else 200, picture=picture)
    try:
        saved = save_campaign(g.admin, campaign.id if campaign else None, fields)
    except CampaignInvalid as exc:  # (a clash since the check: another editor's save)
        for name, message in exc.fields.items():
            form[name].errors = [message]
        return _editor(form, campaign, 422, picture=picture)
    if picture:
        branding.set_image(saved.id, picture)
    elif form.remove_image.data:
        branding.remove_image(saved.id)
    flash(f"Saved \u201c{saved.title}\u201d.", "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=saved.id), code=303)


def _picture_chosen(form: CampaignForm, campaign: Campaign | None):
    """The picture to save (just uploaded, or carried from the last try), and
    any problem with it."""
    upload = form.image.data.read() if form.image.data else b""
    if not upload and form.pending_image.data:
        try:
            upload = base64.b64decode(form.pending_image.data, validate=True)
        except ValueError:
            upload = b""
    try:
        picture = branding.resized(upload) if upload else None
    except branding.ImageRefused as exc:
        return None, {"image": str(exc)}
    return picture, _picture_problems(form, campaign, picture is not None)


@bp.post("/campaigns/preview")
def campaign_preview_fragment():
    """The preview panel alone, for the editor's live preview (admin.js)."""
    form = CampaignForm()
    fields = {name: getattr(form, name).data or "" for name in EDITABLE}
    return render_template("admin/_campaign_preview.html", preview=campaign_preview(fields))


@bp.post("/campaigns/<int:campaign_id>/status")
def campaign_status(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    status = request.form.get("status", "")
    closing = campaign.status == CampaignStatus.LIVE and status in set(CampaignStatus) - {
        CampaignStatus.LIVE
    }
    if closing and request.form.get("confirm") != "yes":  # no one-click close: ask first
        return render_template(
            "admin/confirm.html",
            question=f"Take \u201c{campaign.title}\u201d offline ({status})?",
            detail="Its page and the partners' widgets stop taking letters at once; anyone "
            "part way through writing cannot send. Letters already written are still delivered.",
            action=url_for("admin.campaign_status", campaign_id=campaign.id),
            fields={"status": status},
            yes=f"Yes, make it {status}",
            back=url_for("admin.campaigns"),
        )
    try:
        set_campaign_status(g.admin, campaign.id, status)
    except CampaignInvalid as exc:
        flash(str(exc), "error")
    else:
        flash(f"\u201c{campaign.title}\u201d is now {status}.", "success")
    return redirect(url_for("admin.campaigns"), code=303)


def _picture_problems(form: CampaignForm, campaign: Campaign | None, upload: bool) -> dict:
    """A picture needs words for people who cannot see it."""
    keeps = campaign is not None and campaign.image is not None and not form.remove_image.data
    if (upload or keeps) and not (form.image_alt.data or "").strip():
        return {"image_alt": "Say what the picture shows, for people who cannot see it."}
    return {}


@bp.get("/campaigns/<int:campaign_id>/picture.jpg")
def campaign_picture(campaign_id: int):
    """The picture as the editor shows it, drafts' included (the public route serves live ones)."""
    image = _campaign_or_404(campaign_id).image
    if image is None:
        abort(404)
    return Response(image.data, mimetype="image/jpeg")
