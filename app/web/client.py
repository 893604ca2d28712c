"""Who is asking: the client's address, as rate limits and abuse checks see it."""

import hashlib

from flask import current_app, request


def client_ip() -> str:
    """The client's IP address (ProxyFix has already applied trusted proxies)."""
    return request.remote_addr or "unknown"


def hashed_ip() -> str:
    """A keyed hash of the client's IP: enough to spot floods, not to identify anyone."""
    key = current_app.config["SECRET_KEY"].encode()
    return hashlib.blake2b(client_ip().encode(), key=key[:64], digest_size=16).hexdigest()
