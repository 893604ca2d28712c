"""Did MPs reply: the responsiveness table, and its CSV and JSON exports."""

from __future__ import annotations

import csv
import io

from flask import Response, jsonify, render_template

from app.replies.responsiveness import Responsiveness, responsiveness
from app.web.admin import bp
from app.web.admin.dashboard import selected_campaign

COLUMNS = ("level", "name", "detail", "delivered", "answered", "replied", "reply_rate",
           "median_days_to_reply")  # fmt: skip


def _rows():
    campaign, _ = selected_campaign()
    figures = responsiveness(campaign.id if campaign else None)
    for level, rows in (("all", [figures.total]), ("party", figures.parties), ("mp", figures.mps)):
        for row in rows:
            yield level, row


def _record(level: str, row: Responsiveness) -> dict:
    return {
        "level": level, "name": row.name, "detail": row.detail, "delivered": row.delivered,
        "answered": row.answered, "replied": row.replied if row.shown else None,
        "reply_rate": round(row.rate, 4) if row.rate is not None else None,
        "median_days_to_reply": round(row.median_days, 1) if row.median_days is not None else None,
    }  # fmt: skip


@bp.get("/replies")
def replies():
    campaign, campaigns = selected_campaign()
    figures = responsiveness(campaign.id if campaign else None)
    return render_template(
        "admin/replies.html", campaign=campaign, campaigns=campaigns, figures=figures
    )


@bp.get("/replies.csv")
def replies_csv():
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for level, row in _rows():
        writer.writerow(_record(level, row))
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="replies.csv"'
    return response


@bp.get("/replies.json")
def replies_json():
    return jsonify([_record(level, row) for level, row in _rows()])
