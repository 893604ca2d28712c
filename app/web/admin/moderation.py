"""The moderation queue: held letters, why, and the letter each most
resembles; and recipients held after refusals for the site's reasons."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.extensions import db
from app.letters import moderation
from app.letters.back_office import record_bodies_viewed
from app.letters.models import Letter
from app.letters.own_words import shared_passages
from app.web.admin import bp


@bp.get("/moderation")
def moderation_queue():
    held = moderation.held_letters()
    pairs = [
        (m, db.session.get(Letter, m.similar_to_id) if m.similar_to_id else None) for m in held
    ]
    if g.admin.can_edit:  # admins see the letters: the page's viewing is recorded, once
        shown = [letter.id for pair in pairs for letter in pair if letter is not None]
        record_bodies_viewed(g.admin, shown)
    # What each letter shares with the other, highlighted (admins only see bodies).
    passages = {
        letter.id: (
            shared_passages(letter.body, match.body),
            shared_passages(match.body, letter.body),
        )
        for letter, match in pairs
        if match is not None and g.admin.can_edit
    }
    return render_template(
        "admin/moderation.html",
        pairs=pairs,
        passages=passages,
        held_recipients=moderation.held_recipients(),
    )


@bp.post("/moderation/<int:letter_id>/release")
def moderation_release(letter_id: int):
    try:
        moderation.release(letter_id, g.admin)
        flash(f"Letter {letter_id} released: it will be delivered.", "success")
    except moderation.NotHeld:
        flash(f"Letter {letter_id} is no longer held.", "error")
    return redirect(url_for("admin.moderation_queue"), code=303)


@bp.post("/moderation/<int:letter_id>/reject")
def moderation_reject(letter_id: int):
    try:
        moderation.reject(letter_id, g.admin, request.form.get("note", "")[:200])
        flash(f"Letter {letter_id} rejected; the constituent has been told.", "success")
    except moderation.NotHeld:
        flash(f"Letter {letter_id} is no longer held.", "error")
    return redirect(url_for("admin.moderation_queue"), code=303)
