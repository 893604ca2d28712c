"""Parliament dissolved: set the period, and end it once the new MPs are loaded."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.parliament import dissolution
from app.web.admin import bp
from app.web.admin.forms import DissolutionForm


@bp.route("/parliament", methods=["GET", "POST"])
def parliament():
    form = DissolutionForm()
    dissolved_on, election_on = form.dissolved_on.data, form.election_on.data
    if request.method == "POST" and form.validate() and dissolved_on and election_on:
        try:
            dissolution.dissolve(g.admin, dissolved_on, election_on)
        except dissolution.DissolutionInvalid as exc:
            form.election_on.errors = [str(exc)]
        else:
            flash("Dissolution set: from that day letters wait for the new MPs.", "success")
            return redirect(url_for("admin.parliament"), code=303)
    waiting = db.session.scalar(
        select(func.count()).select_from(Letter).where(Letter.status == LetterStatus.WAITING)
    )
    page = render_template(
        "admin/parliament.html", form=form, period=dissolution.planned(),
        in_force=dissolution.in_force(), waiting=waiting,
    )  # fmt: skip
    return page, 422 if form.errors else 200


@bp.post("/parliament/end")
def parliament_end():
    try:
        asked = dissolution.end(g.admin)
    except dissolution.DissolutionInvalid as exc:
        flash(str(exc), "error")
    else:
        flash(f"Dissolution ended: {asked} writers asked to send their letters to their new MP.",
              "success")  # fmt: skip
    return redirect(url_for("admin.parliament"), code=303)
