"""Return paths that say which email bounced (VERP).

Every email's envelope sender is `bounces+<id>-<signature>@BOUNCE_DOMAIN`:
a bounce report comes back to that address, so it is tied to one outbox
row without guessing from its text. The signature (a keyed hash of the id,
lower case, as some servers lower-case local parts) means a forged or
mistyped address is ignored, not acted on. With BOUNCE_DOMAIN unset the
envelope sender is the site's own address, as before.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

PREFIX = "bounces"
SIGNATURE_LENGTH = 12  # hex: 48 bits, far beyond guessing one email's address
_ADDRESS = re.compile(rf"\b{PREFIX}\+(\d{{1,18}})-([0-9a-f]{{{SIGNATURE_LENGTH}}})@([\w.-]+)", re.I)


def _signature(outbox_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"return-path:{outbox_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def outbox_signature(outbox_id: int) -> str:
    """The keyed hash that vouches for an outbox id: in a return path, and in
    the variables a relay that rewrites the return path hands back (Mailgun's,
    app/bounces/mailgun.py)."""
    return _signature(outbox_id)


def return_path(outbox_id: int) -> str | None:
    """The envelope sender for this outbox row's email; None when VERP is off."""
    domain = current_app.config["BOUNCE_DOMAIN"]
    if not domain:
        return None
    return f"{PREFIX}+{outbox_id}-{_signature(outbox_id)}@{domain}"


def outbox_id_in(text: str) -> int | None:
    """The outbox row a genuine return path in `text` names, or None: an
    address at another domain, or with a signature that does not match, counts
    for nothing."""
    domain = (current_app.config["BOUNCE_DOMAIN"] or "").lower()
    for found in _ADDRESS.finditer(text or ""):
        outbox_id, signature, at = int(found.group(1)), found.group(2).lower(), found.group(3)
        if at.lower() == domain and hmac.compare_digest(signature, _signature(outbox_id)):
            return outbox_id
    return None
