"""Signing up for alerts, confirming, unsubscribing, preferences, and alert click-throughs."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from app.alerts import subscribers
from app.alerts.measuring import record_click
from app.alerts.subscribers import (
    CONSENT_WORDING,
    FRESH_PREFERENCES_DAYS,
    PREFERENCES_DAYS,
    BadLink,
    subscriber_for,
    token_for,
)
from app.i18n import gettext
from app.tokens import Purpose
from app.web import limits
from app.web.csrf import csrf
from app.web.forms import SubscribeForm, first_errors
from app.web.public import bp
from app.web.security import private_page


def _bad_link():
    return private_page(make_response(render_template("alerts/bad_link.html"), 404))


@bp.route("/alerts", methods=["GET", "POST"])
@limits.subscribe_form
def alerts_signup():
    form = SubscribeForm()
    campaign_id = request.args.get("campaign", type=int)
    if form.validate_on_submit():
        if not form.website.data:  # the honeypot: a robot gets the same answer
            subscribers.record_consent(
                form.email.data or "",  # validated, so not empty
                source="site",
                wording=gettext(CONSENT_WORDING),
                campaign_id=campaign_id,
                postcode=form.postcode.data or None,
            )
        return redirect(url_for("public.alerts_check_email"), code=303)
    status = 422 if form.errors else 200
    page = render_template(
        "alerts/signup.html",
        form=form,
        errors=first_errors(form),
        consent_wording=gettext(CONSENT_WORDING),
    )
    return page, status


@bp.get("/alerts/check-email")
def alerts_check_email():
    return render_template("alerts/check_email.html")


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def alerts_confirm(token: str):
    """The link shows a page; its button confirms (so link scanners confirm nothing)."""
    try:
        if request.method == "POST":
            subscriber = subscribers.confirm_subscription(token)
            return private_page(
                make_response(render_template("alerts/confirmed.html", subscriber=subscriber))
            )
        subscriber = subscriber_for(token, Purpose.CONFIRM_SUBSCRIPTION, subscribers.CONFIRM_DAYS)
    except BadLink:
        return _bad_link()
    return private_page(
        make_response(render_template("alerts/confirm.html", subscriber=subscriber))
    )


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: a mail client's POST carries no cookie and no token
def alerts_unsubscribe(token: str):
    """GET: a page with one button. POST (that button, or a mail client's one-click):
    unsubscribed, answering 200 with no redirect; a repeat changes nothing."""
    try:
        if request.method == "POST":
            subscriber = subscribers.unsubscribe(token)
            response = make_response(
                render_template("alerts/unsubscribed.html", subscriber=subscriber, token=token)
            )
            response.headers.pop("Set-Cookie", None)
            return private_page(response)
        subscriber = subscriber_for(token, Purpose.UNSUBSCRIBE)
    except BadLink:
        return _bad_link()
    return private_page(
        make_response(render_template("alerts/unsubscribe.html", subscriber=subscriber))
    )


@bp.route("/alerts/preferences/<token>", methods=["GET", "POST"])
def alerts_preferences(token: str):
    """Two links, one page. The link in every alert (perhaps forwarded) shows
    nothing personal: it stops alerts, or emails a fresh link to the inbox.
    The fresh link (an hour) shows and changes everything."""
    try:
        subscriber = subscriber_for(token, Purpose.FRESH_PREFERENCES, FRESH_PREFERENCES_DAYS)
    except BadLink:
        return _forwardable_preferences(token)
    saved = False
    if request.method == "POST":
        subscriber = subscribers.update_preferences(
            token,
            subscribed=request.form.get("subscribed") == "yes",
            postcode=request.form.get("postcode", "").strip()[:16],
        )
        saved = True
    page = render_template("alerts/preferences.html", subscriber=subscriber, saved=saved)
    return private_page(make_response(page))


def _forwardable_preferences(token: str):
    try:
        subscriber = subscriber_for(token, Purpose.ALERT_PREFERENCES, PREFERENCES_DAYS)
    except BadLink:
        return _bad_link()
    done = None
    if request.method == "POST" and request.form.get("action") == "stop":
        subscribers.unsubscribe(token_for(subscriber, Purpose.UNSUBSCRIBE))
        done = "stopped"
    elif request.method == "POST" and request.form.get("action") == "send_link":
        subscribers.send_fresh_preferences_link(subscriber)
        done = "sent"
    page = render_template("alerts/preferences_link.html", done=done)
    return private_page(make_response(page))


@bp.get("/a/<token>")
def alert_click(token: str):
    """A link in an alert: counted, then the campaign page, crediting the alert.

    The landing carries nothing of the recipient's: a forwarded alert lets
    nobody learn about, or act as, the person it was sent to.
    """
    landing = record_click(token, count=limits.counts_as_a_visit(token))
    if landing is None:
        return redirect(url_for("public.home"))
    return redirect(url_for("public.campaign", slug=landing.campaign_slug, ref=landing.ref))
