"""Signing in: password, then a TOTP code (or enrolling one), then a new session."""

from __future__ import annotations

import time

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.accounts.models import AdminUser
from app.accounts.sign_in import (
    AuthError,
    check_password,
    end_session,
    enrol_totp,
    enrolment_qr,
    new_totp_secret,
    start_session,
    verify_totp,
)
from app.extensions import db
from app.web import limits
from app.web.admin import COOKIE, bp, safe_next
from app.web.admin.forms import CodeForm, LoginForm

PENDING_SECONDS = 300  # between a correct password and its code


def _pending_admin() -> AdminUser | None:
    pending = session.get("pending_admin")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return db.session.get(AdminUser, pending["id"])


def _signed_in(admin: AdminUser):
    """Start a brand-new session: nothing from before signing in survives."""
    target = safe_next(session.get("next"))
    session.clear()
    token = start_session(admin)
    response = make_response(redirect(target, code=303))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Strict",
        path="/admin",
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    limits.refuse_if_failed_too_often()
    form = LoginForm()
    if form.validate_on_submit():
        try:
            admin = check_password(form.email.data or "", form.password.data or "")
        except AuthError as exc:
            limits.count_failed_sign_in()
            form.password.errors = [str(exc)]
        else:
            next_url = request.args.get("next")
            session.clear()
            session["pending_admin"] = {"id": admin.id, "at": time.time()}
            session["next"] = safe_next(next_url)
            return redirect(
                url_for("admin.verify" if admin.totp_secret else "admin.enrol"), code=303
            )
    return render_template("admin/login.html", form=form)


@bp.route("/verify", methods=["GET", "POST"])
@limits.admin_code
def verify():
    admin = _pending_admin()
    if admin is None or not admin.totp_secret:
        return redirect(url_for("admin.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            verify_totp(admin, form.code.data or "")
        except AuthError as exc:
            form.code.errors = [str(exc)]
        else:
            return _signed_in(admin)
    return render_template("admin/verify.html", form=form)


@bp.route("/enrol", methods=["GET", "POST"])
@limits.admin_code
def enrol():
    admin = _pending_admin()
    if admin is None or admin.totp_secret:
        return redirect(url_for("admin.login"))
    secret = session.get("enrol_secret") or new_totp_secret()
    session["enrol_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            enrol_totp(admin, secret, form.code.data or "")
        except AuthError as exc:
            form.code.errors = [str(exc)]
        else:
            flash("Two-factor sign-in is set up.", "success")
            return _signed_in(admin)
    return render_template(
        "admin/enrol.html", form=form, qr=enrolment_qr(admin, secret), secret=secret
    )


@bp.post("/logout")
def logout():
    end_session(request.cookies.get(COOKIE))
    session.clear()
    response = make_response(redirect(url_for("admin.login"), code=303))
    response.delete_cookie(COOKIE, path="/admin")
    return response
