"""Serving the widget's script to partners' pages."""

from __future__ import annotations

from flask import Blueprint, abort, make_response

from app.partners.widget import current_release, release

bp = Blueprint("widget", __name__, url_prefix="/widget")
ONE_YEAR = 365 * 24 * 3600


def _script(body: bytes, cache_control: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = cache_control
    # Any page may load it; `crossorigin="anonymous"` (needed for the SRI
    # check) requires this header, and no cookie is ever involved.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/v1.js")
def latest():
    """The newest build, for pages that do not pin a release: cached briefly."""
    return _script(current_release().body, "public, max-age=300")


@bp.get("/v1.<version>.js", endpoint="release")
def pinned_release(version: str):
    """A pinned release: its content never changes, so it is cached for a year."""
    found = release(version)
    if found is None:
        abort(404)
    return _script(found.body, f"public, max-age={ONE_YEAR}, immutable")
