"""The admin dashboard, under /admin.

Every route needs a live admin session, except the four that sign in and out;
a test walks the URL map to prove it. Viewers may look at everything except
letters' bodies and constituents' addresses, and change nothing: any request
that is not a GET is refused for them here, once, not route by route.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, request, url_for

from app.accounts.sign_in import session_for_token
from app.letters.moderation import count_held

bp = Blueprint("admin", __name__, url_prefix="/admin")
COOKIE = "admin_session"
SIGN_IN_ENDPOINTS = frozenset({"admin.login", "admin.verify", "admin.enrol", "admin.logout"})


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only somewhere inside /admin on this site,
    and nothing that could not stand in a Location header (CR, LF, controls)."""
    if target and target.isprintable() and target.isascii():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin"):
            return target
    return url_for("admin.dashboard")


# Pages that list people's email addresses: admins only, as the exports are.
PEOPLES_ADDRESSES = frozenset({"admin.subscribers_page", "admin.export_subscribers"})


@bp.before_request
def require_admin():
    g.admin = None
    if request.endpoint in SIGN_IN_ENDPOINTS:
        return None
    live = session_for_token(request.cookies.get(COOKIE))
    if live is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        abort(401)
    g.admin = live.admin
    if not g.admin.can_edit and (
        request.method not in ("GET", "HEAD") or request.endpoint in PEOPLES_ADDRESSES
    ):
        abort(403)
    return None


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.context_processor
def admin_context():
    admin = g.get("admin")
    return {"admin": admin, "held_count": count_held() if admin else 0}


from app.web.admin import (  # noqa: E402, F401 - register the routes
    alerts,
    api_keys,
    auth,
    campaigns,
    dashboard,
    letters,
    moderation,
    mps,
    parliament,
    partners,
    replies,
    reports,
    share_tests,
    targets,
    webhooks,
)
