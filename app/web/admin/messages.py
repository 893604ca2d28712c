"""The letter log: find letters, see their history, read one (recorded), act on it."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app.campaigns.campaigns import all_campaigns
from app.extensions import db
from app.letters import back_office
from app.letters.back_office import ActionRefused, MessageFilter
from app.letters.models import MessageStatus, Source
from app.partners.partners import list_partners
from app.reference.models import Constituency
from app.web.admin import bp
from app.web.admin.forms import MessageSearchForm, choices


def _search_form() -> MessageSearchForm:
    form = MessageSearchForm(request.args)
    form.campaign.choices = choices(
        [("", "Any campaign")] + [(c.slug, c.title) for c in all_campaigns()]
    )
    form.status.choices = choices([("", "Any state")] + [(s.value, s.value) for s in MessageStatus])
    form.partner.choices = choices(
        [("", "Any partner")] + [(p.slug, p.name) for p in list_partners()]
    )
    form.source.choices = choices([("", "Any source")] + [(s.value, s.value) for s in Source])
    return form


def _filters(form: MessageSearchForm) -> MessageFilter:
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
    return MessageFilter(
        campaign_id=campaigns.get(form.campaign.data),
        status=form.status.data or None,
        constituency_id=constituency_id,
        partner_id=partners.get(form.partner.data),
        source=form.source.data or None,
        written_from=form.written_from.data if valid else None,
        written_to=form.written_to.data if valid else None,
        text=form.text.data or "",
    )


@bp.get("/messages")
def messages():
    form = _search_form()
    before = request.args.get("before", type=int)
    found = back_office.search(_filters(form), before_id=before, personal=g.admin.can_edit)
    older = None
    if len(found) == back_office.PAGE:
        args = {k: v for k, v in request.args.items() if k != "before"}
        older = url_for("admin.messages", before=found[-1].id, **args)
    return render_template("admin/messages.html", form=form, messages=found, older=older)


def _message_or_404(message_id: int):
    message = back_office.get_message(message_id)
    if message is None:
        abort(404)
    return message


@bp.get("/messages/<int:message_id>")
def message(message_id: int):
    return render_template(
        "admin/message.html", message=_message_or_404(message_id), show_body=False
    )


@bp.post("/messages/<int:message_id>/body")
def message_body(message_id: int):
    """Reading a constituent's letter is recorded in the audit log (admins only)."""
    message = _message_or_404(message_id)
    back_office.record_body_viewed(g.admin, message)
    return render_template("admin/message.html", message=message, show_body=True)


ACTIONS = {
    "resend": (back_office.resend, "The letter will be delivered again."),
    "cancel": (back_office.cancel, "The letter was cancelled."),
    "mark-delivered": (back_office.mark_delivered, "The letter is marked as delivered."),
}


@bp.post("/messages/<int:message_id>/<action>")
def message_action(message_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    do, done = ACTIONS[action]
    try:
        do(g.admin, message_id)
    except ActionRefused as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin.message", message_id=message_id), code=303)
