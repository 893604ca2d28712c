"""The last step before an email leaves: its return path names it (VERP,
app/outbox/return_path.py) and, when a key is configured, it is DKIM-signed
(app/adapters/dkim.py), for every kind alike.

The rare email whose addresses need SMTPUTF8 (built as an EmailMessage and
sent by smtplib) leaves as built, from the site's own address.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from app.adapters.dkim import Signer
from app.adapters.smtp import RawEmail
from app.outbox.mime import Email, site_sender
from app.outbox.models import OutboxEmail
from app.outbox.return_path import return_path


def signed(row: OutboxEmail, email: Email) -> Email:
    if not isinstance(email, RawEmail):
        return email
    data = email.data
    signer = dkim_signer()
    if signer is not None:
        data = signer.header(data) + data
    return RawEmail(return_path(row.id) or email.sender, email.recipient, data)


def dkim_signer() -> Signer | None:
    """The configured signer, its key read once per process; None without a key."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    if "dkim_signer" not in app.extensions:
        config = app.config
        key_file = config["DKIM_PRIVATE_KEY_FILE"]
        app.extensions["dkim_signer"] = (
            Signer(config["DKIM_SELECTOR"], dkim_domain(), Path(key_file).read_bytes())
            if key_file
            else None
        )
    return app.extensions["dkim_signer"]


def dkim_domain() -> str:
    """The signing domain: DKIM_DOMAIN, or the site's sender's."""
    return current_app.config["DKIM_DOMAIN"] or site_sender().domain or ""
