"""Making, checking, rotating and revoking API keys.

A key is "wtym_" and 43 URL-safe characters (32 random bytes). Only its
SHA-256 is stored and looked up, so a key is never in the database, the
logs (the access log records no headers) or an error message. Every key
made, rotated or revoked is in the audit log; a key's use is recorded as
its `last_used_at`, at most once a minute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts import audit
from app.api_keys.models import ApiKey, Scope
from app.db import utcnow, write_transaction
from app.extensions import db
from app.partners.models import Partner
from app.partners.registry import NotForPartners, PartnerError, partner_for
from app.text import members_named

PREFIX = "wtym_"
# After a rotation the old key keeps working this long, so the systems
# using it can move to the new one without a failed request.
ROTATION_OVERLAP = timedelta(hours=24)
USE_RECORDED_EVERY = timedelta(minutes=1)
# What each scope allows, in the admin's words.
SCOPE_LABELS = {
    Scope.READ_PEOPLE: "read the people who chose alerts (the organisation's keys only)",
    Scope.READ_OUTREACHES: "read letters: to whom, when, through whom (never their words)",
    Scope.WRITE_PEOPLE: "sign people up (they confirm by email) and record unsubscribes",
}


class ApiKeyError(ValueError):
    """A key the site will not make or change; the message says why, and
    `field` which of the form's fields it is about."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Holder:
    """Who a request's key belongs to, and what it may do."""

    key_id: int
    partner_id: int | None  # None: the organisation running the site
    scopes: frozenset[Scope]


@dataclass(frozen=True)
class Issued:
    key_id: int
    key: str  # shown once, never again


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def scopes_from(names) -> list[Scope]:
    try:
        return members_named(Scope, names, "scope")
    except ValueError as exc:
        raise ApiKeyError(str(exc), "scopes") from exc


def issue(name: str, scopes: list[Scope], *, partner_slug: str | None = None, admin=None) -> Issued:
    name = name.strip()
    if not name or len(name) > 120:
        raise ApiKeyError("Name the key (what uses it), in 120 characters at most.")
    about_people = any(scope.about_people for scope in scopes)
    try:
        partner = partner_for(partner_slug, hears_of_people=about_people, what="key")
    except NotForPartners as exc:
        raise ApiKeyError(str(exc), "scopes") from exc
    except PartnerError as exc:
        raise ApiKeyError(str(exc), "owner") from exc
    return _store(name, scopes, partner.id if partner else None, admin, "api_key.issued")


def _store(name, scopes, partner_id, admin, action, detail="") -> Issued:
    key = PREFIX + secrets.token_urlsafe(32)
    with write_transaction() as session:
        row = ApiKey(
            name=name, partner_id=partner_id, prefix=key[:12], digest=_digest(key),
            scopes_text=" ".join(sorted({scope.value for scope in scopes})),
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(admin, action, "api_key", row.id, detail or f"{name}; {row.scopes_text}")
    return Issued(row.id, key)


def rotate(key_id: int, *, admin=None) -> Issued:
    """A new key with the same owner and scopes; the old one works for
    ROTATION_OVERLAP more, then no longer."""
    old = db.session.get(ApiKey, key_id, populate_existing=True)
    if old is None or old.revoked_at is not None or old.expires_at is not None:
        # Replaced already (or revoked): replacing it again would give it another day.
        raise ApiKeyError(f"No live API key {key_id}: replace the key that replaced it.")
    issued = _store(old.name, sorted(old.scopes), old.partner_id, admin, "api_key.rotated",
                    f"replaces key {key_id}")  # fmt: skip
    with write_transaction() as session:
        session.get_one(ApiKey, key_id).expires_at = utcnow() + ROTATION_OVERLAP
    return issued


def revoke(key_id: int, *, admin=None) -> None:
    with write_transaction() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise ApiKeyError(f"No API key {key_id}.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.record(admin, "api_key.revoked", "api_key", key_id, row.name)


def holder_of(key: str | None, now: datetime | None = None) -> Holder | None:
    """The live key's holder, or None (unknown, revoked, expired): one
    indexed lookup by digest, so no comparison leaks how much of a key matched."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    now = now or utcnow()
    row = db.session.scalar(select(ApiKey).where(ApiKey.digest == _digest(key)))
    if row is None or row.revoked_at is not None:
        return None
    if row.partner_id is not None and not db.session.get_one(Partner, row.partner_id).active:
        return None  # a disabled partner's keys stop with it
    if row.expires_at is not None and row.expires_at <= now:
        return None
    holder = Holder(row.id, row.partner_id, row.scopes)
    if row.last_used_at is None or now - row.last_used_at >= USE_RECORDED_EVERY:
        with write_transaction():
            row.last_used_at = now
    return holder


def every_key() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def state_of(row: ApiKey, now: datetime | None = None) -> str:
    now = now or utcnow()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None:
        return "expired" if row.expires_at <= now else f"until {row.expires_at:%Y-%m-%d %H:%M} UTC"
    return "live"
