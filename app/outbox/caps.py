"""How often the site emails an address it cannot yet trust, whoever asks.

A form that makes the site email an address (a data link, an alerts
confirmation, a note to the owner of an address someone else signed up)
could be used from many client addresses to fill one inbox from our domain.
Each such email is counted per recipient address, in the rate store shared
by every process (Redis in production), under a keyed hash: the address
itself is never a key. Past the cap the email is simply not queued: the
asker sees the same answer either way, so the cap tells nobody whether an
address is known.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import parse_many

from app.adapters.rate_store import StoreUnavailable
from app.extensions import rate_store
from app.text import normalise_email
from app.tokens import keyed_hash

log = logging.getLogger(__name__)

# Emails an address may be sent on a stranger's word, in a day (configurable).
UNTRUSTED = "MAIL_TO_UNTRUSTED_ADDRESS"
# A note to an address's owner that someone tried to sign it up again.
OWNER_TOLD = "1/day"


def within_cap(address: str, what: str = "untrusted", allowance: str | None = None) -> bool:
    """Count one email to `address` and say whether it may go."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    limits_text = allowance or current_app.config[UNTRUSTED]
    key = keyed_hash("mail-cap", normalise_email(address))[:32]
    windows = [(item, (key, f"mail_{what}")) for item in parse_many(limits_text)]
    try:
        allowed = rate_store.take(windows) is None
    except StoreUnavailable:  # nothing to count with: keep the inbox safe
        log.warning("mail cap: the rate store is unavailable; %s email not sent", what)
        return False
    if not allowed:
        log.info("mail cap: a %s email not sent (the address had its share today)", what)
    return allowed
