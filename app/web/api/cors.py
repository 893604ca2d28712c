"""Cross-origin access to the API: only for the origins a partner registered.

The widget names its partner in the query string (`?partner=the-blog`), so
even a preflight, which carries no body, is judged against that partner's own
origins. An allowed origin gets Access-Control-Allow-Origin echoed back,
never with credentials; every API response varies on Origin. A cross-origin
request from anywhere else gets no CORS headers, and a write from it is
refused outright (403) before anything is stored.
"""

from __future__ import annotations

from flask import Response, make_response, request

from app.i18n import gettext
from app.partners.registry import PartnerInfo, find_partner, origin_of
from app.web.errors import json_error
from app.web.security import header_names

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "600"
# Answers differ by Origin (the echoed Access-Control-Allow-Origin): caches must key on it.
VARY = ("Vary", "Origin")


def request_partner() -> PartnerInfo | None:
    """The partner this request names (`?partner=`), looked up once per request."""
    environ = request.environ
    if "app.partner" not in environ:
        environ["app.partner"] = find_partner(request.args.get("partner"))
    return environ["app.partner"]


def foreign_origin() -> str | None:
    """The Origin header, if the request comes from a page on another site."""
    # From the environ: a missing header costs EnvironHeaders a raised KeyError.
    origin = request.environ.get("HTTP_ORIGIN")
    if not origin or origin_of(origin) == origin_of(request.host_url):
        return None
    return origin


def _allowed(origin: str) -> bool:
    partner = request_partner()
    return partner is not None and partner.allows(origin_of(origin))


def check_origin() -> Response | None:
    """before_request: answer preflights, refuse unlisted origins."""
    origin = foreign_origin()
    if request.method == "OPTIONS":
        response = make_response("", 204)
        if origin and _allowed(origin):
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
    if origin and not _allowed(origin):
        return json_error(
            403, "origin_not_allowed", gettext("This site is not registered to use the API.")
        )
    return None


def add_cors_headers(response: Response) -> Response:
    """after_request: echo an allowed origin; always vary on Origin."""
    if "vary" in header_names(response):
        response.vary.add("Origin")
    else:
        response.headers.add(*VARY)  # the usual case, without parsing a HeaderSet
    origin = foreign_origin()
    if origin and _allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response
