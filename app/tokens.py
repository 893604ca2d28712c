"""Signed tokens for links in emails and forms (itsdangerous).

Each use has its own salt, so a token made for one purpose is worthless for
another. Signed payloads hold random public ids or row ids, never addresses:
a signed token is readable by anyone who sees the link (browser history,
proxy logs). `seal`/`unseal` are for the one link that must carry an
address (a person's "your data" link): encrypted as well as authenticated
(Fernet, from the `cryptography` package the site already uses for DKIM).
`sign`/`unsign` carry structured payloads; `sign_id`/`unsign_id` carry one
integer and are eight times cheaper, which matters for an alert's 100,000
personal links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from enum import StrEnum
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken as FernetInvalid
from flask import current_app
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    Signer,
    TimestampSigner,
    URLSafeTimedSerializer,
)


class Purpose(StrEnum):
    """What a token is for. Each is its own salt, so a token made for one
    purpose is worthless for another; the values are what links already sent
    were signed with, so they never change."""

    CONFIRM_LETTER = "confirm-message"  # the constituent's link to send their letter
    FORM_TICKET = "form-ticket"  # a form's ticket: one submission, not too fast
    SHARE_CREDIT = "credit-ref"  # `ref` in a shared or alert link: who brought them
    CONFIRM_SUBSCRIPTION = "subscription-confirm"  # double opt-in to alerts
    UNSUBSCRIBE = "unsubscribe"  # one click out of alerts
    ALERT_PREFERENCES = "alert-preferences"  # in every alert: stop, or ask for a fresh link
    FRESH_PREFERENCES = "fresh-preferences"  # emailed on request: see and change everything
    ALERT_CLICK = "alert-click"  # a recipient's click through an alert
    YOUR_DATA = "your-data"  # a person's link to download or delete their data
    DID_REPLY = "did-reply"  # a writer's link to say whether their MP replied
    RECONFIRM = "reconfirm-new-mp"  # a waiting letter's writer: send it to the new MP
    OFFICE_DIGEST = "office-digest"  # an MP's office: a campaign's letters daily, or each
    OFFICE_CHANGE = "office-change"  # emailed to the office's own address: change that
    TARGET_OFFICE = "target-office"  # a target's office (app/targets/): as OFFICE_DIGEST
    TARGET_CHANGE = "target-office-change"  # emailed to the target's own address
    PARTNER_FIGURES = "partner-figures"  # a partner's page of its own figures


def keyed_hash(purpose: str, value: str) -> str:
    """A one-way code of `value` under the site's secret (HMAC-SHA256, hex):
    the same value gives the same code, which cannot be read back."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


# What an erased address becomes (app/privacy/retention.py): never an address.
ERASED = "erased:"


def erased_key(normalised_email: str) -> str:
    """The key an erased letter keeps in place of its address: a keyed hash,
    so the address cannot be read back, but the same person is recognised.
    A letter stores it from the start, so its writer is known after erasure."""
    return ERASED + keyed_hash("erased-writer", normalised_email)[:40]


class InvalidToken(Exception):
    """The token was tampered with, truncated, or made for something else."""


class ExpiredToken(InvalidToken):
    """The token was genuine but is too old."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


@lru_cache(maxsize=64)
def _serializer_for(secret: str, salt: str) -> URLSafeTimedSerializer:
    """Built once per key and purpose: building one checks its JSON module
    and signer anew, a fifth of the cost of reading a form ticket."""
    return URLSafeTimedSerializer(secret, salt=salt)


def seal(purpose: str, payload: Any) -> str:
    """An opaque token: `payload` (JSON) encrypted and authenticated."""
    return _fernet(purpose).encrypt(json.dumps(payload).encode()).decode()


def unseal(purpose: str, token: str, max_age_seconds: int) -> Any:
    try:
        return json.loads(_fernet(purpose).decrypt(token.encode(), ttl=max_age_seconds))
    except (FernetInvalid, ValueError, UnicodeError) as exc:
        # (Fernet tells an expired token from a forged one by neither.)
        raise InvalidToken("not a sealed token, or too old") from exc


def _fernet(purpose: str) -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, f"sealed:{purpose}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def sign(salt: str, payload: Any) -> str:
    return _serializer(salt).dumps(payload)


def unsign(salt: str, token: str, max_age_seconds: int | None = None) -> Any:
    try:
        return _serializer(salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise ExpiredToken(str(exc)) from exc
    except BadSignature as exc:
        raise InvalidToken(str(exc)) from exc


@lru_cache(maxsize=64)
def _signer(secret: str, salt: str, timed: bool) -> Signer:
    return (TimestampSigner if timed else Signer)(secret, salt=salt)


def sign_id(salt: str, value: int, *, timed: bool = False) -> str:
    """`value` and a signature; `timed` adds a timestamp so it can expire."""
    return _signer(current_app.config["SECRET_KEY"], salt, timed).sign(str(value)).decode()


def unsign_id(
    salt: str, token: str, *, timed: bool = False, max_age_seconds: int | None = None
) -> int:
    signer = _signer(current_app.config["SECRET_KEY"], salt, timed)
    try:
        if isinstance(signer, TimestampSigner):  # what `timed` made it
            raw = signer.unsign(token, max_age=max_age_seconds)
        else:
            raw = signer.unsign(token)
    except SignatureExpired as exc:
        raise ExpiredToken(str(exc)) from exc
    except BadSignature as exc:
        raise InvalidToken(str(exc)) from exc
    if not raw.isdigit():
        raise InvalidToken("not an id")
    return int(raw)
