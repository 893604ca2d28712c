"""API keys: what organisations' and partners' systems read the OSDI API with (docs/osdi.md)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from app.api_keys.keys import SCOPE_LABELS, ApiKeyError, every_key, issue, revoke, rotate, state_of
from app.api_keys.models import Scope
from app.partners.registry import list_partners
from app.web.admin import bp
from app.web.admin.forms import ApiKeyForm, choices
from app.web.forms import first_errors

ORGANISATION = "organisation"


@bp.get("/api-keys")
def api_keys():
    partners = {p.id: p.name for p in list_partners()}
    return render_template(
        "admin/api_keys.html", keys=every_key(), partners=partners, state_of=state_of
    )


@bp.route("/api-keys/new", methods=["GET", "POST"])
def api_key_new():
    form = ApiKeyForm()
    form.owner.choices = choices([
        (ORGANISATION, "The organisation running this site"),
        *((p.slug, f"{p.name} (its letters only)") for p in list_partners()),
    ])  # fmt: skip
    form.scopes.choices = choices((scope.value, SCOPE_LABELS[scope]) for scope in Scope)
    if form.validate_on_submit():
        owner = form.owner.data
        try:
            issued = issue(
                form.name.data or "", [Scope(value) for value in form.scopes.data or []],
                partner_slug=None if owner == ORGANISATION else owner, admin=g.admin,
            )  # fmt: skip
        except ApiKeyError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            return _key_page(f"API key {issued.key_id} is made", issued.key,
                             "Put it in the system that reads the API, which sends it in"
                             " the OSDI-API-Token header (docs/osdi.md).")  # fmt: skip
    status = 422 if form.errors else 200
    return render_template("admin/api_key_new.html", form=form, errors=first_errors(form)), status


@bp.post("/api-keys/<int:key_id>/rotate")
def api_key_rotate(key_id: int):
    try:
        issued = rotate(key_id, admin=g.admin)
    except ApiKeyError:
        abort(404)
    return _key_page(f"API key {issued.key_id} replaces key {key_id}", issued.key,
                     "Put it where the old one was: the old key keeps working for a day,"
                     " then stops.")  # fmt: skip


@bp.post("/api-keys/<int:key_id>/revoke")
def api_key_revoke(key_id: int):
    try:
        revoke(key_id, admin=g.admin)
    except ApiKeyError:
        abort(404)
    flash(f"API key {key_id} no longer works.", "success")
    return redirect(url_for("admin.api_keys"), code=303)


def _key_page(heading: str, key: str, explanation: str):
    return render_template(
        "admin/shown_once.html", heading=heading, secret=key, explanation=explanation,
        back=url_for("admin.api_keys"),
    )  # fmt: skip
