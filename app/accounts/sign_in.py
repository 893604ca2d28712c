"""Admin sign-in: argon2id passwords, TOTP that refuses a reused code, server-side sessions.

    check_password -> (enrol_totp | verify_totp) -> start_session -> session_for_token

A session is a random token in an HttpOnly cookie; the database keeps only
its SHA-256, so a leaked database gives no working session. Sessions end at
logout, after ADMIN_SESSION_HOURS, or after ADMIN_IDLE_MINUTES idle.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pyotp
import segno
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import or_, select, update

from app.accounts import audit
from app.accounts.models import AdminSession, AdminUser, Role
from app.db import utcnow, write_transaction
from app.extensions import db
from app.text import normalise_email

MIN_PASSWORD_LENGTH = 12
TOUCH_EVERY = timedelta(seconds=60)


class AuthError(Exception):
    """Sign-in did not succeed; the message is safe to show (it names no account)."""


def _hasher() -> PasswordHasher:
    """argon2id with the parameters PASSWORD_HASH_PROFILE names: RFC 9106's
    low-memory profile (argon2-cffi's default) unless the tests ask for the
    cheapest, which production refuses (app/config.py)."""
    return _hasher_for(current_app.config["PASSWORD_HASH_PROFILE"])


@lru_cache(maxsize=4)
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@lru_cache(maxsize=4)
def _dummy_hash(profile: str) -> str:
    return _hasher_for(profile).hash(secrets.token_urlsafe(16))


def create_admin(email: str, password: str, role: str = Role.ADMIN) -> AdminUser:
    email = normalise_email(email)
    if "@" not in email:
        raise AuthError("That is not an email address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Passwords must be at least {MIN_PASSWORD_LENGTH} characters.")
    if role not in (Role.ADMIN, Role.VIEWER):
        raise AuthError("The role must be admin or viewer.")
    with write_transaction() as session:
        if session.scalar(select(AdminUser).where(AdminUser.email == email)):
            raise AuthError("An admin with that email already exists.")
        admin = AdminUser(email=email, password_hash=_hasher().hash(password), role=role)
        session.add(admin)
        session.flush()
        audit.record(None, "admin.created", "admin", admin.id, f"role {role}")
    return admin


def check_password(email: str, password: str) -> AdminUser:
    """The admin whose password this is; AuthError otherwise, taking as long either way."""
    admin = db.session.scalar(
        select(AdminUser).where(AdminUser.email == normalise_email(email), AdminUser.active)
    )
    hasher = _hasher()
    profile = current_app.config["PASSWORD_HASH_PROFILE"]
    try:
        hasher.verify(admin.password_hash if admin else _dummy_hash(profile), password)
    except (VerificationError, InvalidHashError):
        if admin is None:
            _refused("admin.sign_in_refused", "", "no such admin")
        else:
            _refused("admin.sign_in_refused", admin.id, "wrong password")
        admin = None
    if admin is None:
        raise AuthError("That email address and password do not match.")
    if hasher.check_needs_rehash(admin.password_hash):
        with write_transaction():
            admin.password_hash = hasher.hash(password)
    return admin


def _refused(action: str, admin_id, detail: str = "") -> None:
    """A failed sign-in, for a security reviewer: which account (never the
    address typed for no account, which may be anyone's typo), and when."""
    with write_transaction():
        audit.record(None, action, "admin", admin_id, detail, actor="someone signing in")


def new_totp_secret() -> str:
    return pyotp.random_base32()


def enrolment_qr(admin: AdminUser, secret: str) -> str:
    """An SVG data URI of the otpauth:// QR code (an <img>, so no inline markup)."""
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=admin.email, issuer_name=current_app.config["SITE_NAME"]
    )
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str) -> int | None:
    """The time-step a code is valid for (this one, or one either side for clock drift)."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now(UTC))  # aware: pyotp reads naive times as local
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(admin_id: int, step: int, secret: str | None = None) -> bool:
    """Record `step` as used, only if it is newer than any used before (atomic)."""
    values: dict[str, int | str] = {"totp_last_step": step}
    if secret:
        values["totp_secret"] = secret
    with write_transaction() as session:
        result = session.execute(
            update(AdminUser)
            .where(
                AdminUser.id == admin_id,
                or_(AdminUser.totp_last_step.is_(None), AdminUser.totp_last_step < step),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def verify_totp(admin: AdminUser, code: str) -> None:
    """Accept a code once. A code already used (even by someone else) is refused."""
    step = _matching_step(admin.totp_secret or "", code)
    if step is None or not _claim_step(admin.id, step):
        _refused("admin.code_refused", admin.id)
        raise AuthError("That code is not right, or has already been used. Wait for the next one.")


def enrol_totp(admin: AdminUser, secret: str, code: str) -> None:
    """Keep the secret only once the admin has proved their app generates its codes."""
    step = _matching_step(secret, code)
    if step is None or not _claim_step(admin.id, step, secret):
        raise AuthError("That code is not right. Check the time on your phone and try again.")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(admin: AdminUser) -> str:
    """A brand-new session (never a reused one); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_transaction() as session:
        session.add(
            AdminSession(
                token_hash=_hash_token(token),
                admin_id=admin.id,
                expires_at=now + timedelta(hours=current_app.config["ADMIN_SESSION_HOURS"]),
            )
        )
        db.session.get_one(AdminUser, admin.id).last_login_at = now
        audit.record(admin, "admin.login")
    return token


def session_for_token(token: str | None) -> AdminSession | None:
    """The live session for a cookie token, or None if absent, revoked, expired or idle."""
    if not token:
        return None
    found = db.session.scalar(
        select(AdminSession).where(AdminSession.token_hash == _hash_token(token))
    )
    now = utcnow()
    idle = timedelta(minutes=current_app.config["ADMIN_IDLE_MINUTES"])
    if (
        found is None
        or found.revoked_at is not None
        or found.expires_at <= now
        or now - found.last_seen_at > idle
        or not found.admin.active
    ):
        return None
    if now - found.last_seen_at > TOUCH_EVERY:  # one write a minute, not one per request
        with write_transaction() as session:
            session.get(AdminSession, found.id).last_seen_at = now
    return found


def end_session(token: str | None) -> None:
    if not token:
        return
    with write_transaction() as session:
        found = session.scalar(
            select(AdminSession).where(AdminSession.token_hash == _hash_token(token))
        )
        if found is not None and found.revoked_at is None:
            found.revoked_at = utcnow()
            audit.record(found.admin, "admin.logout")


def _end_sessions(session, admin: AdminUser) -> None:
    for live in session.scalars(
        select(AdminSession).where(
            AdminSession.admin_id == admin.id, AdminSession.revoked_at.is_(None)
        )
    ):
        live.revoked_at = utcnow()


def _admin_named(session, email: str) -> AdminUser:
    admin = session.scalar(select(AdminUser).where(AdminUser.email == normalise_email(email)))
    if admin is None:
        raise AuthError("No such admin.")
    return admin


def deactivate_admin(email: str) -> AdminUser:
    """For `flask admin deactivate`: someone who has left. They are signed out
    everywhere and can never sign in again; their address goes
    RETENTION_AUDIT_DAYS later (app/privacy/retention.py)."""
    with write_transaction() as session:
        admin = _admin_named(session, email)
        if admin.active:
            admin.active = False
            admin.deactivated_at = utcnow()
            _end_sessions(session, admin)
            audit.record(None, "admin.deactivated", "admin", admin.id)
    return admin


def reset_totp(email: str) -> AdminUser:
    """For `flask admin reset-2fa`: the admin enrols again at their next sign-in."""
    with write_transaction() as session:
        admin = _admin_named(session, email)
        admin.totp_secret = None
        admin.totp_last_step = None
        _end_sessions(session, admin)
        audit.record(None, "admin.totp_reset", "admin", admin.id)
    return admin
