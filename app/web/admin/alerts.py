"""Alerts: write, preview, test, send to a segment, watch it go, cancel; and subscribers."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for

from app.alerts import measuring, segments, sending, subscribers, variants
from app.alerts.models import Alert, AlertStatus, Segment, SubscriberStatus
from app.campaigns.editing import all_campaigns
from app.extensions import db
from app.text import markdown_to_html
from app.web.admin import bp
from app.web.admin.forms import AlertForm, SuppressForm, choices
from app.web.forms import first_errors


@bp.get("/alerts")
def alerts():
    rows = [(a, measuring.alert_stats(a)) for a in sending.all_alerts()]
    return render_template("admin/alerts.html", rows=rows)


def _alert_or_404(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert


def _form(alert: Alert | None) -> AlertForm:
    data = None
    if alert is not None and request.method == "GET":
        data = {
            "campaign": alert.campaign.slug,
            "subject": alert.subject,
            "body_markdown": alert.body_markdown,
            "call_to_action": alert.call_to_action,
            "segment": alert.segment,
            "test_percent": str(alert.test_percent),
            "test_hours": alert.test_hours,
        }
        for variant in alert.variants:
            data[f"subject_{variant.label.lower()}"] = variant.subject
            data[f"body_{variant.label.lower()}"] = variant.body_markdown
    form = AlertForm(data=data)
    form.campaign.choices = choices((c.slug, c.title) for c in all_campaigns())
    form.segment.choices = choices(segments.segment_labels().items())
    return form


def _trial(form: AlertForm) -> sending.Trial:
    variants = {
        label: (getattr(form, f"subject_{label.lower()}").data or "",
                getattr(form, f"body_{label.lower()}").data or "")
        for label in ("B", "C", "D")
    }  # fmt: skip
    return sending.Trial(variants, int(form.test_percent.data or 0), form.test_hours.data or 24)


@bp.route("/alerts/new", methods=["GET", "POST"], defaults={"alert_id": None})
@bp.route("/alerts/<int:alert_id>", methods=["GET", "POST"])
def alert_edit(alert_id: int | None):
    alert = _alert_or_404(alert_id) if alert_id else None
    form = _form(alert)
    if form.validate_on_submit():
        campaign = next((c for c in all_campaigns() if c.slug == form.campaign.data), None)
        if campaign is None:
            form.campaign.errors = ["Choose a campaign."]
        else:
            try:
                alert = sending.save_alert(
                    g.admin, alert.id if alert else None, campaign_id=campaign.id,
                    subject=form.subject.data or "", body_markdown=form.body_markdown.data or "",
                    call_to_action=form.call_to_action.data or "", segment=form.segment.data,
                    trial=_trial(form),
                )  # fmt: skip
            except sending.AlertInvalid as exc:
                for name, message in exc.fields.items():
                    getattr(form, name).errors = [message]
            else:
                flash("Alert saved.", "success")
                return redirect(url_for("admin.alert_edit", alert_id=alert.id), code=303)
    status = 422 if form.errors else 200
    page = render_template(
        "admin/alert_edit.html",
        form=form,
        alert=alert,
        errors=first_errors(form),
        preview=markdown_to_html(form.body_markdown.data or ""),
        audience=segments.segment_count(alert) if alert else None,
        progress=measuring.progress(alert) if alert else None,
        stats=measuring.alert_stats(alert) if alert else None,
        variants=variants.figures(alert) if alert and alert.testing else None,
        labels=segments.segment_labels(),
    )
    return page, status


@bp.post("/alerts/<int:alert_id>/test")
def alert_test(alert_id: int):
    sending.send_test(_alert_or_404(alert_id), g.admin)
    flash(f"A test copy is on its way to {g.admin.email}.", "success")
    return redirect(url_for("admin.alert_edit", alert_id=alert_id), code=303)


@bp.post("/alerts/<int:alert_id>/send")
def alert_send(alert_id: int):
    alert = _alert_or_404(alert_id)
    if request.form.get("confirm") != "yes":  # no one-click mass mail: ask, naming how many
        audience = segments.segment_count(alert)
        people = f"{audience:,} subscriber{'' if audience == 1 else 's'}"
        return render_template(
            "admin/confirm.html",
            question=f"Send \u201c{alert.subject}\u201d to {people}?",
            detail="Each gets the alert by email now. Sending cannot be undone, only stopped "
            "part way.",
            action=url_for("admin.alert_send", alert_id=alert.id),
            fields={},
            yes=f"Yes, send to {people}",
            back=url_for("admin.alert_edit", alert_id=alert.id),
        )
    try:
        sending.start_sending(alert, g.admin)
    except sending.AlertInvalid as exc:
        flash(str(exc), "error")
    else:
        flash("Sending. The counts below update as it goes.", "success")
    return redirect(url_for("admin.alert_edit", alert_id=alert_id), code=303)


@bp.post("/alerts/<int:alert_id>/cancel")
def alert_cancel(alert_id: int):
    sending.cancel_alert(_alert_or_404(alert_id), g.admin)
    flash("Cancelled: no more copies will be sent.", "success")
    return redirect(url_for("admin.alert_edit", alert_id=alert_id), code=303)


@bp.get("/alerts/<int:alert_id>/progress.json")
def alert_progress(alert_id: int):
    """Live counts for the progress bar (admin.js polls this while sending)."""
    alert = _alert_or_404(alert_id)
    now = measuring.progress(alert)
    stats = measuring.alert_stats(alert)
    return jsonify(
        status=alert.status, total=now.segment_size, sent=now.sent, failed=now.failed,
        cancelled=now.cancelled, done=now.done, clicked=stats.clicked,
        letters=stats.letters_within_7_days, sending=alert.status == AlertStatus.SENDING,
    )  # fmt: skip


@bp.post("/subscribers/<int:subscriber_id>/lift")
def lift_suppression(subscriber_id: int):
    if subscribers.lift_suppression(subscriber_id, g.admin):
        flash("Suppression lifted: the address gets what it subscribed to again.", "success")
    else:
        flash("That address is not suppressed.", "error")
    return redirect(url_for("admin.subscribers_page", status="suppressed"), code=303)


@bp.route("/subscribers", methods=["GET", "POST"])
def subscribers_page():
    form = SuppressForm()
    if form.validate_on_submit():
        found = subscribers.suppress(form.email.data or "", form.reason.data or "", admin=g.admin)
        if found:
            flash("Suppressed: nothing more will be sent to that address.", "success")
        else:
            flash("No subscriber has that address.", "error")
        return redirect(url_for("admin.subscribers_page"), code=303)
    text = request.args.get("q", "")
    status = request.args.get("status") or None
    return render_template(
        "admin/subscribers.html",
        form=form,
        found=subscribers.search(text, status),
        q=text,
        status=status,
        statuses=list(SubscriberStatus),
        segments=Segment,
    )
