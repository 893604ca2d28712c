"""The postcode lookup's plain case, answered before Flask's request machinery.

In a spike nearly every request is `GET /api/v1/representatives?postcode=...`.
Its answer is public data found in about 3 µs, while Flask's handling around
it (request and app contexts, six hooks, header objects) costs thirty times
that, and so sets how many lookups a host can answer (docs/performance.md).

This WSGI middleware answers the plain case itself: a GET with a postcode
that is found or offers a choice, from no partner and no other origin, not a
revalidation. It uses the view's own parts (app/web/api/routes.py): the same
allowance, lookup, body, ETag, security headers and metrics. Every other
request goes to Flask unchanged, and so does a plain one that is refused or
fails, so Flask's error handling gives the one answer for it: a bad postcode
(400), a full allowance (429 with Retry-After), a partner or a cross-origin
request (CORS), a 304, a HEAD; and an answer with words in it asked for in
another language than English (?lang=). tests/web/
test_fast_lookup.py checks that the two paths answer byte for byte alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from app.extensions import rate_store
from app.reference.representatives import Choose, Found, count_lookup, find_mp
from app.web.api.cors import VARY
from app.web.api.routes import lookup_answer, public_headers
from app.web.limits import LOOKUP
from app.web.metrics import count_request
from app.web.security import security_headers

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class FastLookup:
    """WSGI middleware: the plain lookup answered here, all else passed to `flask`."""

    def __init__(self, app: Flask, flask: WSGIApp):
        self.app = app
        self.flask = flask
        self.path = next(iter(app.url_map.iter_rules("api.representatives"))).rule
        self.multilingual = len(app.config["LANGUAGES"]) > 1

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") != self.path
            or environ["REQUEST_METHOD"] != "GET"
            or "HTTP_ORIGIN" in environ
            or "HTTP_IF_NONE_MATCH" in environ
        ):
            return self.flask(environ, start_response)
        started = time.perf_counter()
        with self.app.app_context():
            answer = self.answer(environ)
        if answer is None:
            return self.flask(environ, start_response)
        start_response("200 OK", answer[1])
        count_request(self.path, "GET", 200, started)
        return [answer[0]]

    def answer(self, environ: dict) -> tuple[bytes, list[tuple[str, str]]] | None:
        """The body and headers of a plain lookup's answer, with the lookup
        counted and the allowance spent; None (nothing spent) to leave it to Flask."""
        try:
            # As werkzeug reads `request.args` (whose get() is the first value).
            query = environ.get("QUERY_STRING", "").encode("latin1").decode()
            pairs = parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
            args = dict(reversed(pairs))
            if args.get("partner"):
                return None
            result = find_mp(args.get("postcode", ""))
            if self.multilingual and args.get("lang", "en") != "en" and in_words(result):
                return None  # words in another language than English: Flask chooses it
            body = lookup_answer(result)
            etag, cache_control = public_headers(body)
        except Exception:  # Flask answers it, with its own error handling
            return None
        if self.app.config["RATELIMIT_ENABLED"]:
            windows = LOOKUP.windows(environ.get("REMOTE_ADDR") or "unknown")
            if rate_store.take_in_process(windows) is not None:
                return None  # used up: Flask refuses it, counting nothing more
        count_lookup(result)
        scheme = environ.get("wsgi.url_scheme")
        return body, [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("ETag", f'"{etag}"'),
            ("Cache-Control", cache_control),
            VARY,
            *security_headers(scheme in ("https", "wss")),
        ]


def in_words(result: Found | Choose) -> bool:
    """Whether the answer says something in words (why to choose, why not by
    email, a constituency's Welsh name), as well as the MP's data."""
    return (
        isinstance(result, Choose) or not result.seat.can_email or result.seat.name_cy is not None
    )
