"""Error pages for people, and JSON errors for the API."""

from __future__ import annotations

import logging
import math

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from app.db import describe_error
from app.i18n import N_, gettext
from app.web.csrf import form_again

log = logging.getLogger(__name__)

MESSAGES = {
    400: N_("Something in that request didn't make sense. Please go back and try again."),
    401: N_("Please sign in first."),
    403: N_("You don't have permission to do that."),
    404: N_("We can't find that page."),
    405: N_("That page can't be used like that."),
    413: N_("That was too much text to send in one go. Please shorten it and try again."),
    429: N_(
        "You've done that too many times in a short while. Please wait a little and try again."
    ),
    500: N_("Something went wrong on our side. Please try again; if it happens again, tell us."),
    503: N_(
        "We can't take requests for a moment, so nothing has been sent. Please try again "
        "in a minute."
    ),
}
# The database is restarting, unreachable or locked for longer than a write
# may wait: nothing was stored, and trying again shortly will work.
DATABASE_AWAY = N_(
    "We can't store anything for a moment, so nothing you sent was stored. "
    "Please try again in a minute."
)
DATABASE_RETRY_SECONDS = 30
CODES = {
    400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "too_large", 429: "rate_limited", 500: "server_error",
    503: "unavailable",
}  # fmt: skip


OSDI_PREFIX = "/api/osdi/"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, explanation: str, **extra):
    response = jsonify({"error": {"code": code, "message": explanation, **extra}})
    response.status_code = status
    return response


def osdi_error(status: int, code: str, explanation: str):
    """An error in the OSDI API's shape (its errors.md): a CRM's client reads it."""
    body = {"osdi:error": {
        "request_type": "atomic", "response_code": status,
        "resource_status": [{"resource": request.path, "response_code": status,
                             "error_descriptions": [{"error_code": code,
                                                     "description": explanation}]}],
    }}  # fmt: skip
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/hal+json"
    return response


def _error(status: int, explanation: str, retry_after: int | None = None):
    """The error as JSON for the API or as a page for people, with Retry-After."""
    if request.path.startswith(OSDI_PREFIX):
        response = osdi_error(status, CODES.get(status, "error"), explanation)
    elif wants_json():
        extra = {"retry_after": retry_after} if retry_after is not None else {}
        response = json_error(status, CODES.get(status, "error"), explanation, **extra)
    else:
        page = render_template("error.html", status=status, explanation=explanation)
        response = make_response(page, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _handle_http(exc: HTTPException):
    status = exc.code or 500
    explanation = (
        gettext(MESSAGES[status]) if status in MESSAGES else exc.description or gettext("Error")
    )
    if isinstance(exc, CSRFError) and not wants_json():
        return form_again(exc)  # the form back, or why it was refused
    retry_after = _seconds_until_allowed() if status in (429, 503) else None
    if status == 429:  # say when, in words (the widget shows them), as well as in the header
        explanation = gettext("%(explanation)s You can try again in %(wait)s.",
                        explanation=explanation, wait=_in_words(retry_after or 60))  # fmt: skip
    return _error(status, explanation, retry_after)


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return gettext("a minute") if seconds > 45 else gettext("%(num)s seconds", num=seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return gettext("%(num)s minutes", num=minutes)
    return gettext("%(num)s hours", num=math.ceil(minutes / 60))


def _seconds_until_allowed() -> int:
    """For Retry-After: on a 429, from the window that refused the request
    (app/web/limits.py; rate limit headers on every response would cost
    more trips to the store)."""
    return max(1, math.ceil(request.environ.get("app.retry_after", 60)))


def _handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _error(500, gettext(MESSAGES[500]))


def _handle_database_away(exc: Exception):
    log.error(
        "database unavailable on %s %s: %s", request.method, request.path, describe_error(exc)
    )
    return _error(503, gettext(DATABASE_AWAY), DATABASE_RETRY_SECONDS)


def _handle_too_deep(_exc: RecursionError):
    """JSON nested past the parser's limit: the client's mistake, not ours."""
    return _error(400, gettext(MESSAGES[400]))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    # A server gone away, a restart, or a lock held past the busy timeout.
    app.register_error_handler(OperationalError, _handle_database_away)
    app.register_error_handler(InterfaceError, _handle_database_away)
    app.register_error_handler(PoolTimeoutError, _handle_database_away)
    app.register_error_handler(RecursionError, _handle_too_deep)
    app.register_error_handler(Exception, _handle_unexpected)
