"""The letter log: find letters, see their history, read one (recorded), act on it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app.campaigns.editing import all_campaigns
from app.extensions import db
from app.letters import back_office
from app.letters.back_office import ActionRefused, LetterFilter
from app.letters.models import LetterStatus, Source
from app.partners.registry import list_partners
from app.reference.models import Constituency
from app.web.admin import bp
from app.web.admin.forms import LetterSearchForm, choices


def _search_form() -> LetterSearchForm:
    form = LetterSearchForm(request.args)
    form.campaign.choices = choices(
        [("", "Any campaign")] + [(c.slug, c.title) for c in all_campaigns()]
    )
    form.status.choices = choices([("", "Any state")] + [(s.value, s.value) for s in LetterStatus])
    form.partner.choices = choices(
        [("", "Any partner")] + [(p.slug, p.name) for p in list_partners()]
    )
    form.source.choices = choices([("", "Any source")] + [(s.value, s.value) for s in Source])
    return form


def _filters(form: LetterSearchForm) -> LetterFilter:
    campaigns = {c.slug: c.id for c in all_campaigns()}
    partners = {p.slug: p.id for p in list_partners()}
    constituency_id = None
    if form.constituency.data:
        name = form.constituency.data.strip()
        constituency_id = (
            db.session.scalar(
                select(Constituency.id).where(
                    (Constituency.gss_code == name.upper()) | Constituency.name.ilike(name)
                )
            )
            or -1
        )  # nothing matches an unknown constituency
    valid = form.validate()
    return LetterFilter(
        campaign_id=campaigns.get(form.campaign.data),
        status=form.status.data or None,
        constituency_id=constituency_id,
        partner_id=partners.get(form.partner.data),
        source=form.source.data or None,
        written_from=form.written_from.data if valid else None,
        written_to=form.written_to.data if valid else None,
        text=form.text.data or "",
    )


@bp.get("/letters")
def letters():
    form = _search_form()
    before = request.args.get("before", type=int)
    found = back_office.search(_filters(form), before_id=before, personal=g.admin.can_edit)
    older = None
    if len(found) == back_office.PAGE:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        older = url_for("admin.letters", before=found[-1].id, **args)
    return render_template("admin/letters.html", form=form, letters=found, older=older)


def _letter_or_404(letter_id: int):
    letter = back_office.get_letter(letter_id)
    if letter is None:
        abort(404)
    return letter


@bp.get("/letters/<int:letter_id>")
def letter(letter_id: int):
    return render_template("admin/letter.html", letter=_letter_or_404(letter_id), show_body=False)


@bp.post("/letters/<int:letter_id>/body")
def letter_body(letter_id: int):
    """Reading a constituent's letter is recorded in the audit log (admins only)."""
    letter = _letter_or_404(letter_id)
    back_office.record_body_viewed(g.admin, letter)
    return render_template("admin/letter.html", letter=letter, show_body=True)


ACTIONS = {
    "resend": (back_office.resend, "The letter will be delivered again."),
    "send-to-the-held": (
        back_office.send_to_the_held,
        "The letter will go again to its held recipients.",
    ),
    "cancel": (back_office.cancel, "The letter was cancelled."),
    "mark-delivered": (back_office.mark_delivered, "The letter is marked as delivered."),
}


@bp.post("/letters/<int:letter_id>/<action>")
def letter_action(letter_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    do, done = ACTIONS[action]
    try:
        do(g.admin, letter_id)
    except ActionRefused as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.letter", letter_id=letter_id), code=303)
