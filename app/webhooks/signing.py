"""Signatures, as the Standard Webhooks specification gives them.

Each call carries `webhook-id` (the same on every attempt: the receiver's
key for dropping a repeat), `webhook-timestamp` (seconds since the epoch:
the receiver refuses one outside its replay window, five minutes in the
reference libraries) and `webhook-signature`: "v1," and the base64
HMAC-SHA256 of "{id}.{timestamp}.{body}" under the secret's bytes, once
per live secret (two while a rotation is under way). The reference
library, `standardwebhooks`, signs (docs/libraries.md); the tests check it
against the specification's own example and a receiver of their own.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from app.outbox.models import OutboxEmail
from app.webhooks.models import Endpoint

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


def new_secret() -> str:
    """24 random bytes (the specification asks for 24 to 64), as "whsec_" and base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def call_id(row: OutboxEmail) -> str:
    """The same for every attempt of a call, and for no other call."""
    return f"msg_{row.message_token}"


def live_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    """The secret, and the one it replaced while the rotation's overlap lasts."""
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > now:
        found.append(endpoint.previous_secret)
    return found


def signed_headers(endpoint: Endpoint, row: OutboxEmail, body: bytes, now: datetime) -> dict:
    ident = call_id(row)
    signatures = " ".join(
        Webhook(secret).sign(ident, now, body) for secret in live_secrets(endpoint, now)
    )
    return {
        "webhook-id": ident,
        "webhook-timestamp": str(int(now.replace(tzinfo=UTC).timestamp())),  # stored naive UTC
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "WriteToYourMP-Webhooks/1",
    }
