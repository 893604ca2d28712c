"""The site's own pages: the privacy notice, and about and contact."""

from __future__ import annotations

from flask import current_app, render_template

from app.web.public import bp


def _settings() -> dict:
    config = current_app.config
    return {
        "operator": config["OPERATOR_NAME"],
        "contact": config["OPERATOR_CONTACT"],
        "address": config["OPERATOR_ADDRESS"],
        "link_days": config["CONFIRM_LINK_DAYS"],
        "letter_days": config["RETENTION_LETTER_DAYS"],
        "ip_days": config["RETENTION_IP_HASH_DAYS"],
        "relay": config["MAIL_SERVER"],
    }


@bp.get("/privacy")
def privacy():
    """Built from configuration, so it always says what the site really does."""
    return render_template("privacy/notice.html", **_settings())


@bp.get("/about")
def about():
    return render_template("privacy/about.html", **_settings())
