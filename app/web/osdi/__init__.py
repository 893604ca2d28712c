"""The OSDI API, under /api/osdi/v1 (docs/osdi.md): what an organisation's
CRM reads (and the little it writes), with an API key.

Every request carries its key in the `OSDI-API-Token` header (or as
`Authorization: Bearer`), never in the URL, which access logs keep. A
missing or dead key is refused (401) and counted against the client's
address; a live one spends its own allowance (`RATELIMIT_OSDI`). Answers
are HAL+JSON, kept by no cache. No CORS: this is for servers, so a key
never sits in a browser.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from app.api_keys.keys import holder_of
from app.web.limits import Limit, spend

bp = Blueprint("osdi", __name__, url_prefix="/api/osdi/v1")

PER_KEY = Limit("RATELIMIT_OSDI", "osdi-key", key=lambda: f"key-{g.holder.key_id}")
# Only refused keys count: a client's address may try a few, not guess.
REFUSED_KEYS = Limit("RATELIMIT_OSDI_REFUSED", "osdi-refused")


def _key_sent() -> str | None:
    key = request.headers.get("OSDI-API-Token")
    if key is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        key = value.strip() if scheme.lower() == "bearer" else None
    return key


@bp.before_request
def authenticate():
    g.holder = holder_of(_key_sent())
    if g.holder is None:
        spend(REFUSED_KEYS)
        abort(401)
    spend(PER_KEY)


@bp.after_request
def as_hal(response):
    if response.mimetype == "application/json":
        response.mimetype = "application/hal+json"
    response.headers["Cache-Control"] = "private, no-store"
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="osdi"'
    return response


from app.web.osdi import routes  # noqa: E402, F401 - registers the routes
