"""Rate limits, named by what they protect, with limits read from config.

Limits are shared by scope, so the microsite and the JSON API draw on the
same allowance: a person (or robot) cannot double their quota by switching.
"""

from __future__ import annotations

import functools
import time

from flask import abort, current_app, request, session
from limits import RateLimitItem, parse_many

from app.extensions import limiter
from app.services.messages import email_key
from app.services.postcodes import PostcodeError
from app.services.representatives import ChoiceRequired, WrongConstituency, resolve_seat
from app.web.client import client_ip


def _from_config(name: str):
    return lambda: current_app.config[name]


def submitted(field: str) -> str:
    """A field of the submitted form or JSON body, as text."""
    if request.is_json:
        payload = request.get_json(silent=True)
        value = payload.get(field) if isinstance(payload, dict) else None
    else:
        value = request.form.get(field)
    return value if isinstance(value, str) else ""


def _email_key() -> str:
    return "email:" + email_key(submitted("email"))


def _mp_key() -> str:
    """The seat the letter would really go to, whatever the client claims."""
    cached = request.environ.get("app.limit_mp_key")
    if cached is None:
        try:
            _, seat, _ = resolve_seat(submitted("postcode"), submitted("constituency") or None)
            cached = "mp:" + seat.gss_code
        except (PostcodeError, ChoiceRequired, WrongConstituency):
            cached = "mp:none"
        request.environ["app.limit_mp_key"] = cached  # once per request, not per limit
    return cached


def _partner_key() -> str:
    return "partner:" + (request.args.get("partner") or "")


def _not_from_a_partner() -> bool:
    return not request.args.get("partner")


@limiter.request_filter
def _preflight() -> bool:
    """CORS preflights are not requests a person made: never counted."""
    return request.method == "OPTIONS"


def _not_a_send() -> bool:
    """Previews and edits on the microsite are free; only sending counts."""
    return not request.is_json and request.form.get("action") != "send"


def lean_shared_limit(config_name: str, scope: str):
    """A per-IP shared limit for a hot read endpoint, checked straight through
    Flask-Limiter's own strategy and storage.

    It counts exactly what `limiter.shared_limit(..., scope=scope)` would
    (the same key, scope and store), without Flask-Limiter's per-request work
    of resolving, filtering and scoping decorators, which cost more than the
    postcode lookup it guards (see bench/http.py).
    """

    def decorator(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            config = current_app.config
            if config["RATELIMIT_ENABLED"] and request.method != "OPTIONS":
                key, strategy = client_ip(), limiter.limiter
                for item in _parsed(config[config_name]):
                    if not strategy.hit(item, key, scope):
                        reset_at = strategy.get_window_stats(item, key, scope).reset_time
                        request.environ["app.retry_after"] = reset_at - time.time()
                        abort(429)
            return view(*args, **kwargs)

        return limited

    return decorator


@functools.lru_cache(maxsize=64)
def _parsed(limits_text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits_text))


lookup = lean_shared_limit("RATELIMIT_LOOKUP", scope="lookup")
confirm = limiter.shared_limit(_from_config("RATELIMIT_CONFIRM"), scope="confirm")
subscribe = limiter.shared_limit(_from_config("RATELIMIT_SUBSCRIBE"), scope="subscribe")
# The sign-up page: only submissions count.
subscribe_form = limiter.shared_limit(
    _from_config("RATELIMIT_SUBSCRIBE"), scope="subscribe", methods=["POST"]
)
submit_per_ip = limiter.shared_limit(
    _from_config("RATELIMIT_SUBMIT_PER_IP"), scope="submit-ip", exempt_when=_not_a_send
)
submit_per_email = limiter.shared_limit(
    _from_config("RATELIMIT_SUBMIT_PER_EMAIL"),
    scope="submit-email",
    key_func=_email_key,
    exempt_when=_not_a_send,
)
submit_per_mp = limiter.shared_limit(
    _from_config("RATELIMIT_SUBMIT_PER_MP"),
    scope="submit-mp",
    key_func=_mp_key,
    exempt_when=_not_a_send,
)


submit_per_partner = limiter.shared_limit(
    _from_config("RATELIMIT_SUBMIT_PER_PARTNER"),
    scope="submit-partner",
    key_func=_partner_key,
    exempt_when=_not_from_a_partner,
)


def submit(view):
    """All the limits on sending a letter: per IP, email address, MP and partner."""
    return submit_per_ip(submit_per_email(submit_per_mp(submit_per_partner(view))))


def _login_account_key() -> str:
    return "admin-account:" + (request.form.get("email") or "").strip().lower()


def _pending_account_key() -> str:
    pending = session.get("pending_admin") or {}
    return f"admin-account-code:{pending.get('id')}"


# Sign-in is throttled per IP and per account, counting attempts (POSTs) only.
admin_login_per_ip = limiter.shared_limit(
    _from_config("RATELIMIT_ADMIN_LOGIN_PER_IP"), scope="admin-login-ip", methods=["POST"]
)
admin_login_per_account = limiter.shared_limit(
    _from_config("RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT"),
    scope="admin-login-account",
    key_func=_login_account_key,
    methods=["POST"],
)
admin_code_per_account = limiter.shared_limit(
    _from_config("RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT"),
    scope="admin-code-account",
    key_func=_pending_account_key,
    methods=["POST"],
)


def admin_login(view):
    return admin_login_per_ip(admin_login_per_account(view))


def admin_code(view):
    return admin_login_per_ip(admin_code_per_account(view))
