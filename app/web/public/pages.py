"""The site's own pages: the privacy notice, and about and contact."""

from __future__ import annotations

import json

from flask import current_app, make_response, render_template, request

from app.i18n import gettext
from app.privacy import requests, schedule
from app.tokens import InvalidToken
from app.web import limits
from app.web.forms import DataRequestForm, first_errors
from app.web.public import bp
from app.web.security import private_page


def _settings() -> dict:
    config = current_app.config
    return {
        "operator": config["OPERATOR_NAME"] or gettext("the organisation running this site"),
        "contact": config["OPERATOR_CONTACT"],
        "address": config["OPERATOR_ADDRESS"],
        "relay": config["MAIL_SERVER"],
    }


@bp.get("/privacy")
def privacy():
    """Written from the retention schedule and the configuration, so it always
    says what the site really does."""
    return render_template(
        "privacy/notice.html",
        rules=schedule.public_rules(),
        periods=schedule.Periods.of(current_app.config),
        **_settings(),
    )


@bp.get("/about")
def about():
    return render_template("privacy/about.html", **_settings())


@bp.route("/your-data", methods=["GET", "POST"])
@limits.subscribe_form
def your_data_request():
    """Ask for the link: the same answer whether or not the address is known."""
    form = DataRequestForm()
    if form.validate_on_submit():
        requests.request_link(form.email.data or "")
        return render_template("privacy/link_sent.html")
    status = 422 if form.errors else 200
    return render_template("privacy/request.html", form=form, errors=first_errors(form)), status


@bp.route("/your-data/<token>", methods=["GET", "POST"])
def your_data(token: str):
    try:
        address = requests.address_for(token)
    except InvalidToken:
        return private_page(make_response(render_template("privacy/link_invalid.html"), 404))
    action = request.form.get("action")
    if request.method == "POST" and action == "download":
        body = json.dumps(requests.export(address), indent=2, ensure_ascii=False)
        response = make_response(body)
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.headers["Content-Disposition"] = 'attachment; filename="your-data.json"'
        return private_page(response)
    if request.method == "POST" and action == "delete" and request.form.get("confirm") == "yes":
        letters, subscriptions = requests.erase(address)
        page = render_template("privacy/deleted.html", letters=letters, subscriptions=subscriptions)
        return private_page(make_response(page))
    asked_to_delete = request.method == "POST" and action == "delete"
    page = render_template("privacy/yours.html", address=address, confirm_delete=asked_to_delete)
    return private_page(make_response(page))
