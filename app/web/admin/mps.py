"""MPs: who cannot be emailed, whose letters fail, and address overrides."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from app.extensions import db
from app.letters import back_office
from app.reference import mps as mp_service
from app.reference.models import MP
from app.web.admin import bp
from app.web.admin.forms import OverrideForm


@bp.get("/mps")
def mps():
    name = (request.args.get("name") or "").strip().lower()
    found = [
        m
        for m in mp_service.all_mps()
        if name and name in f"{m.name} {m.constituency.name}".lower()
    ]
    return render_template(
        "admin/mps.html",
        unreachable=mp_service.unreachable(),
        bounced=mp_service.bounced(),
        failing=back_office.failing(),
        found=found[:50],
        name=name,
    )


@bp.route("/mps/<int:mp_id>", methods=["GET", "POST"])
def mp_edit(mp_id: int):
    mp = db.session.get(MP, mp_id)
    if mp is None:
        abort(404)
    form = OverrideForm(
        data={"email": mp.email_override or ""} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            mp_service.set_email_override(g.admin, mp.id, form.email.data)
        except mp_service.OverrideRefused as exc:
            form.email.errors = [str(exc)]
        else:
            flash(f"Letters to {mp.name} now go to {mp.email or 'nobody'}.", "success")
            return redirect(url_for("admin.mps"), code=303)
    return render_template("admin/mp_edit.html", mp=mp, form=form), 422 if form.errors else 200
