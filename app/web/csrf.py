"""Cross-site request forgery: two checks on every form a person posts.

1. **Same origin.** A browser says where a request comes from: Fetch
   Metadata's `Sec-Fetch-Site` (every current browser), else `Origin`, else
   `Referer`. A form posted from another site is refused, whatever it carries.
   A request that says nothing at all (an old browser, a script) goes on to
   the token, as it would without this check.
2. **The token** (Flask-WTF's), tied to the signed session cookie.

Flask-WTF's own HTTPS rule (WTF_CSRF_SSL_STRICT) is off, on purpose: it
requires a same-origin `Referer`, which the pages reached through emailed
links never send (their Referrer-Policy keeps the link's token from other
sites), nor do browsers with referrers turned off. It refused "Send my letter"
over HTTPS. The check above answers the same question from headers a browser
sends whatever its referrer policy (docs/architecture.md, "Forms and CSRF").

A token that fails on a request proven to come from this site is a person
whose session ended (a page left open, cookies cleared, another browser):
they get their form back with a fresh token, everything they typed kept, and
one button to press (`form_again`). A request from another site gets a plain
refusal and nothing to press.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from app.web.security import private_page

log = logging.getLogger(__name__)

# Sec-Fetch-Site values a person's own use of the site sends: a form on one of
# its pages, or the address typed or bookmarked.
OWN_SITE = frozenset({"same-origin", "none"})
TOKEN_FIELD = "csrf_token"  # noqa: S105 - a field name, not a secret
# Never written back into a page: the old token, and an admin's password and
# one-time code (asked for again instead).
NOT_REPLAYED = frozenset({TOKEN_FIELD, "password", "code"})


class CrossSiteForm(CSRFError):
    """A form posted to this site from a page on another site."""

    code = 403


def site_origin() -> str:
    """This request's own origin (scheme, host and port as the browser sees
    them: behind HAProxy, ProxyFix has set the scheme from X-Forwarded-Proto)."""
    return f"{request.scheme}://{request.host}"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def cross_site_reason() -> str | None:
    """Why this request is known to come from another site, or None."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return None if fetch_site in OWN_SITE else f"Sec-Fetch-Site is {fetch_site}"
    origin = request.headers.get("Origin")
    if origin and origin != "null":  # "null": an opaque origin, so look further
        return None if origin == site_origin() else "Origin is another site"
    referrer = request.headers.get("Referer")
    if referrer:
        return None if _origin_of(referrer) == site_origin() else "Referer is another site"
    return None


def from_own_site() -> bool:
    """True only when the browser said positively that this is our own page."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin == site_origin()
    referrer = request.headers.get("Referer")
    return referrer is not None and _origin_of(referrer) == site_origin()


def refuse_cross_site() -> None:
    """Raise CrossSiteForm for a form posted from another site."""
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    reason = cross_site_reason()
    if reason:
        log.info("form refused on %s: %s", request.endpoint, reason)
        raise CrossSiteForm(reason)


class SameOriginCSRF(CSRFProtect):
    """Flask-WTF's token check, after the same-origin check above."""

    def protect(self, apply_exemptions=False):
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return None
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            refuse_cross_site()
        return super().protect(apply_exemptions)


csrf = SameOriginCSRF()


def form_again(error: CSRFError):
    """The answer to a failed form: its fields back with a fresh token when
    the request surely came from this site; otherwise a plain refusal."""
    if isinstance(error, CrossSiteForm) or not from_own_site():
        return private_page(make_response(render_template("errors/cross_site.html"), 403))
    log.info("form token refused on %s: %s", request.endpoint, error.description)
    g.pop(TOKEN_FIELD, None)  # a token made earlier in this context is for the old session
    fields = [
        (name, value)
        for name, values in request.form.lists()
        if name not in NOT_REPLAYED
        for value in values
    ]
    page = render_template(
        "errors/form_again.html",
        action=request.full_path if request.query_string else request.path,
        fields=fields,
        token=generate_csrf(),
        had_files=any(f.filename for f in request.files.values()),
        had_secrets=any(name in NOT_REPLAYED - {TOKEN_FIELD} for name in request.form),
    )
    return private_page(make_response(page, 400))  # it holds what they typed
