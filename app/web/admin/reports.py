"""Exports (CSV) and the audit log."""

from __future__ import annotations

from flask import Response, abort, current_app, g, render_template, request, stream_with_context

from app.accounts import audit
from app.db import write_transaction
from app.privacy import retention, schedule
from app.reports import exports
from app.web.admin import bp
from app.web.admin.dashboard import selected_campaign


@bp.get("/exports")
def exports_page():
    campaign, campaigns = selected_campaign()
    return render_template("admin/exports.html", campaigns=campaigns, campaign=campaign)


def _csv(name: str, lines, what: str, detail: str = "") -> Response:
    with write_transaction():
        audit.record(g.admin, f"export.{what}", "export", name, detail)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/exports/letters.csv")
def export_letters():
    campaign, _ = selected_campaign()
    personal = request.args.get("personal") == "1"
    if personal and not g.admin.can_edit:
        abort(403)  # letters and constituents' addresses are for admins only
    lines = exports.letters_csv(campaign_id=campaign.id if campaign else None, personal=personal)
    return _csv("letters.csv", lines, "letters", "with bodies and addresses" if personal else "")


@bp.get("/exports/recipients.csv")
def export_recipients():
    campaign, _ = selected_campaign()
    lines = exports.recipients_csv(campaign_id=campaign.id if campaign else None)
    return _csv("recipients.csv", lines, "recipients")


@bp.get("/privacy")
def privacy_page():
    """What the retention schedule has erased and will erase: counts only."""
    return render_template(
        "admin/privacy.html",
        due=retention.due(),
        erased=retention.erased_so_far(),
        letter_days=current_app.config["RETENTION_LETTER_DAYS"],
        ip_days=current_app.config["RETENTION_IP_HASH_DAYS"],
        subscriber_days=current_app.config["RETENTION_SUBSCRIBER_DAYS"],
        link_days=current_app.config["CONFIRM_LINK_DAYS"],
        rules=schedule.RULES,
        periods=schedule.Periods.of(current_app.config),
    )


@bp.get("/exports/subscribers.csv")
def export_subscribers():
    return _csv("subscribers.csv", exports.subscribers_csv(), "subscribers")


@bp.get("/exports/constituencies.csv")
def export_constituencies():
    campaign, _ = selected_campaign()
    lines = exports.constituencies_csv(campaign_id=campaign.id if campaign else None)
    return _csv("constituencies.csv", lines, "constituencies")


@bp.get("/audit")
def audit_log():
    before = request.args.get("before", type=int)
    events = audit.recent(200, before_id=before)
    return render_template("admin/audit.html", events=events, audit_in_words=audit.in_words)
