"""Webhooks: the endpoints told of letters and subscriptions (docs/webhooks.md)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from app.partners.registry import list_partners
from app.web.admin import bp
from app.web.admin.forms import WebhookForm, choices
from app.web.forms import first_errors
from app.webhooks.endpoints import (
    EVENT_LABELS,
    EndpointError,
    overview,
    register,
    resume,
    rotate,
    stop_by_admin,
)
from app.webhooks.models import Event

ORGANISATION = "organisation"  # the owner choice for the site's own endpoint


@bp.get("/webhooks")
def webhooks():
    return render_template("admin/webhooks.html", endpoints=overview(), labels=EVENT_LABELS)


@bp.route("/webhooks/new", methods=["GET", "POST"])
def webhook_new():
    form = WebhookForm()
    form.owner.choices = choices([
        (ORGANISATION, "The organisation running this site (every letter; people)"),
        *((p.slug, f"{p.name} (letters through its widget)") for p in list_partners()),
    ])  # fmt: skip
    form.events.choices = choices((event.value, EVENT_LABELS[event]) for event in Event)
    if form.validate_on_submit():
        owner = form.owner.data
        try:
            registered = register(
                form.url.data or "",
                [Event(name) for name in form.events.data or []],
                partner_slug=None if owner == ORGANISATION else owner,
                admin=g.admin,
            )
        except EndpointError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            # Shown once, here: never in a flash message, which rides in the
            # session cookie.
            return _secret_page(
                f"Endpoint {registered.endpoint_id} is registered", registered.secret,
                "Give its secret to whoever runs the receiver, who checks each call's"
                " signature with it (docs/webhooks.md).",
            )  # fmt: skip
    status = 422 if form.errors else 200
    return render_template("admin/webhook_new.html", form=form, errors=first_errors(form)), status


@bp.post("/webhooks/<int:endpoint_id>/rotate")
def webhook_rotate(endpoint_id: int):
    try:
        secret = rotate(endpoint_id, admin=g.admin)
    except EndpointError:
        abort(404)
    return _secret_page(
        f"A new secret for endpoint {endpoint_id}", secret,
        "Give it to whoever runs the receiver. The old secret keeps signing too for a day,"
        " so the receiver can switch over without refusing a call.",
    )  # fmt: skip


def _secret_page(heading: str, secret: str, explanation: str):
    return render_template(
        "admin/shown_once.html", heading=heading, secret=secret, explanation=explanation,
        back=url_for("admin.webhooks"),
    )  # fmt: skip


@bp.post("/webhooks/<int:endpoint_id>/resume")
def webhook_resume(endpoint_id: int):
    try:
        changed = resume(endpoint_id, admin=g.admin)
    except EndpointError:
        abort(404)
    flash(f"Endpoint {endpoint_id} {'resumed' if changed else 'was neither paused nor stopped'}.",
          "success")  # fmt: skip
    return redirect(url_for("admin.webhooks"), code=303)


@bp.post("/webhooks/<int:endpoint_id>/stop")
def webhook_stop(endpoint_id: int):
    try:
        stop_by_admin(endpoint_id, admin=g.admin)
    except EndpointError:
        abort(404)
    flash(f"Endpoint {endpoint_id} stopped.", "success")
    return redirect(url_for("admin.webhooks"), code=303)
