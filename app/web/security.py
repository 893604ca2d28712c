"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

# No inline script or style anywhere: every asset is a file served from here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=63072000; includeSubDomains"


def header_names(response) -> set[str]:
    """The response's header names, lower case. Asking Headers for an absent
    name raises and catches a KeyError, which on the API's hot path cost more
    than the lookup itself: look once, then add what is missing."""
    return {name.lower() for name, _ in response.headers.items()}


# The headers every response carries, over HTTP and over HTTPS (with HSTS).
_PLAIN = tuple(HEADERS.items())
_SECURE = (*_PLAIN, ("Strict-Transport-Security", HSTS))


def security_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers every response carries; HSTS only over HTTPS."""
    return _SECURE if secure else _PLAIN


def add_security_headers(response):
    """after_request: each security header the view has not set itself."""
    headers = response.headers
    present = header_names(response)
    for name, value in security_headers(request.is_secure):
        if name.lower() not in present:
            headers.add(name, value)
    return response


def private_page(response):
    """For pages reached through a personal link: never cached, never leaked as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signing serializer built once per
    key instead of on every request (each build derives the HMAC key anew)."""

    def open_session(self, app: Flask, request):
        # The JSON API neither reads nor sets cookies (app/web/api): it skips
        # the cookie's parsing and signature check, and a write to the
        # session there fails loudly instead of setting one.
        if request.path.startswith("/api/"):
            return self.null_session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        built = app.extensions.get("session_serializer")
        if built is None or built[0] != keys:
            built = app.extensions["session_serializer"] = (
                keys,
                super().get_signing_serializer(app),
            )
        return built[1]


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)
