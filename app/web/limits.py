"""Rate limits, named by what they protect, with limits read from config.

Limits are shared by scope, so the microsite and the JSON API draw on the
same allowance: a person (or robot) cannot double their quota by switching.

`limited` below checks every limit on a view together, in one call to the
counters (app/adapters/rate_store.py): with Redis, one round trip for all of
a view's windows (the lookup's minute and hour, a letter's eight), counting
them only if every one has room, so a refused request uses up nothing and a
robot refused per address cannot spend the allowance of everyone writing to
the same MP. Keys are the `limits` library's own (`key_for(key, scope)`).
With Redis out of reach, a limited request is refused (503), not let through.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import abort, current_app, request, session
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import HTTPException

from app import metrics
from app.adapters.rate_store import StoreUnavailable, Window
from app.extensions import rate_store
from app.text import normalise_email
from app.web.client import client_ip

log = logging.getLogger(__name__)

STORE_DOWN_RETRY_SECONDS = 30


@dataclass(frozen=True)
class Limit:
    """One allowance: the config entry that sets it ("10/hour;40/day"), the
    scope it is shared under, whose it is, and when a request is not counted."""

    config_name: str
    scope: str
    key: Callable[[], str] = client_ip
    exempt: Callable[[], bool] = lambda: False
    methods: frozenset[str] | None = None  # None: every method but OPTIONS
    # Counted in this process's memory instead of the shared store: for
    # reads of public data, where a round trip to Redis would cost more than
    # the answer (app/adapters/process_counters.py).
    in_process: bool = False

    def windows(self, key: str) -> list[Window]:
        """This allowance's windows for one holder (an address, an email...)."""
        return [(item, (key, self.scope)) for item in _parsed(current_app.config[self.config_name])]


def limited(*allowances: Limit, with_the_letter: bool = False):
    """Refuse the view with a 429 when any of these allowances is used up.

    `with_the_letter`: the allowances are spent with the letter's own
    (`spend_per_address`), in the same round trip, once the letter has
    earned it; a request that never gets there (junk, a robot, an error
    page) spends them when the view has answered, and is refused then if
    one was used up. A window this process already knows is full refuses
    before anything is read, so a flood from one address costs neither
    validation nor a round trip."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if request.method == "OPTIONS":
                return view(*args, **kwargs)
            if not with_the_letter:
                spend(*allowances)
                return view(*args, **kwargs)
            if rate_store.knows_a_full_window():  # else no windows to work out
                _refuse_when_full(rate_store.known_full, allowances)
            request.environ[_UNSPENT] = allowances
            try:
                response = view(*args, **kwargs)
            except Exception:  # a 404, a 429, a database fault...: still counted,
                with contextlib.suppress(HTTPException):  # and still answered as it was
                    spend(*_unspent())
                raise
            spend(*_unspent())
            return response

        return checked

    return decorator


_UNSPENT = "app.unspent_allowances"


def _unspent() -> tuple[Limit, ...]:
    """The view's allowances not spent yet, now taken for spending."""
    return request.environ.pop(_UNSPENT, ())


def spend(*allowances: Limit) -> None:
    """Count this request in every window of these allowances, or refuse it:
    429 (with Retry-After) when one is used up, 503 when the counters cannot
    be reached. Views call it once a request has earned it (valid, with a
    genuine ticket), so junk cannot spend a real person's allowance."""
    local = [allowance for allowance in allowances if allowance.in_process]
    shared = [allowance for allowance in allowances if not allowance.in_process]
    if local:
        _refuse_when_full(rate_store.take_in_process, local)
    if shared:
        _refuse_when_full(rate_store.take, shared)


def _refuse_when_full(check, allowances: Sequence[Limit]) -> None:
    """Run `check` (take, full or known_full) on the allowances' windows: 429
    with Retry-After if one is used up, 503 if the counters cannot be reached.
    Nothing is checked where RATELIMIT_ENABLED is off."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    windows = [window for allowance in allowances for window in _windows(allowance)]
    if not windows:
        return
    try:
        retry_after = check(windows)
    except StoreUnavailable as exc:
        # Unlimited while Redis is away would let robots through with the
        # people; refused, people are told to come back.
        log.error("rate limits unavailable, request refused: %s", exc)
        request.environ["app.retry_after"] = STORE_DOWN_RETRY_SECONDS
        abort(503)
    if retry_after is not None:
        metrics.RATE_LIMITED.labels("+".join(a.scope for a in allowances)).inc()
        request.environ["app.retry_after"] = retry_after
        abort(429)


def _windows(allowance: Limit) -> list[Window]:
    """The windows of this allowance that count this request."""
    if allowance.methods is not None and request.method not in allowance.methods:
        return []
    if allowance.exempt():
        return []
    return allowance.windows(allowance.key())


@functools.lru_cache(maxsize=64)
def _parsed(limits_text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits_text))


def submitted(field: str) -> str:
    """A field of the submitted form or JSON body, as text."""
    if request.is_json:
        payload = request.get_json(silent=True)
        value = payload.get(field) if isinstance(payload, dict) else None
    else:
        value = request.form.get(field)
    return value if isinstance(value, str) else ""


def _email_key() -> str:
    return "email:" + normalise_email(submitted("email"))


def _partner_key() -> str:
    return "partner:" + (request.args.get("partner") or "")


def _not_from_a_partner() -> bool:
    return not request.args.get("partner")


def _not_a_send() -> bool:
    """Previews and edits on the microsite are free; only sending counts."""
    return not request.is_json and request.form.get("action") != "send"


def _login_account_key() -> str:
    return f"admin-account:{normalise_email(request.form.get('email') or '')}:{client_ip()}"


def _pending_account_key() -> str:
    pending = session.get("pending_admin") or {}
    return f"admin-account-code:{pending.get('id')}"


POSTS = frozenset({"POST"})

# Postcode lookups answer from public data held in memory: their allowance is
# kept in each process, so a lookup never waits on (or for) Redis.
LOOKUP = Limit("RATELIMIT_LOOKUP", "lookup", in_process=True)
lookup = limited(LOOKUP)
confirm = limited(Limit("RATELIMIT_CONFIRM", "confirm"))
subscribe = limited(Limit("RATELIMIT_SUBSCRIBE", "subscribe"))
# The sign-up page: only submissions count.
subscribe_form = limited(Limit("RATELIMIT_SUBSCRIBE", "subscribe", methods=POSTS))
# Sending a letter: per IP and partner for every send, counted with the
# letter's per-address allowance once it is valid and carries a genuine
# ticket (spend_per_address: one round trip for the three), or after the view
# for anything else; per MP only when a letter is confirmed, which proves a
# mailbox (spend_per_mp): junk naming someone's address, or many addresses'
# junk for one MP, spends nobody else's allowance.
submit = limited(
    Limit("RATELIMIT_SUBMIT_PER_IP", "submit-ip", exempt=_not_a_send),
    Limit(
        "RATELIMIT_SUBMIT_PER_PARTNER",
        "submit-partner",
        key=_partner_key,
        exempt=_not_from_a_partner,
    ),
    with_the_letter=True,
)
# Sign-in: wrong passwords are what is limited, per account-and-IP and per IP,
# over growing windows ("5/15minute;10/hour;20/day"): a stranger who knows an
# admin's address spends only their own allowance, never the admin's, and a
# successful sign-in never counts.
failed_sign_ins = (
    Limit("RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT", "admin-login-account", key=_login_account_key),
    Limit("RATELIMIT_ADMIN_LOGIN_PER_IP", "admin-login-ip"),
)


def refuse_if_failed_too_often() -> None:
    """429 (with Retry-After) once an allowance of failed sign-ins is spent."""
    if request.method == "POST":
        _refuse_when_full(rate_store.full, failed_sign_ins)


def count_failed_sign_in() -> None:
    if current_app.config["RATELIMIT_ENABLED"]:
        windows = [window for allowance in failed_sign_ins for window in _windows(allowance)]
        try:
            rate_store.count(windows)
        except StoreUnavailable as exc:
            log.error("a failed sign-in could not be counted: %s", exc)


_admin_login_per_ip = Limit("RATELIMIT_ADMIN_LOGIN_PER_IP", "admin-code-ip", methods=POSTS)
admin_code = limited(
    _admin_login_per_ip,
    Limit(
        "RATELIMIT_ADMIN_LOGIN_PER_ACCOUNT",
        "admin-code-account",
        key=_pending_account_key,
        methods=POSTS,
    ),
)


PER_ADDRESS = Limit("RATELIMIT_SUBMIT_PER_EMAIL", "submit-email", key=_email_key)


def spend_per_address() -> None:
    """A valid letter with a genuine ticket: count it against its address,
    with the view's own allowances (per IP and partner)."""
    own = _unspent()
    try:
        spend(*own, PER_ADDRESS)
    except HTTPException as refused:
        # Refused for its address, the send still counts against its IP and
        # partner (counted nowhere, one IP could try addresses for ever); if
        # the IP's own window was the full one, this is refused too, unasked.
        if refused.code == 429:
            with contextlib.suppress(HTTPException):
                spend(*own)
        raise


def spend_per_mp(mp_id: int) -> None:
    """A letter being confirmed: count it against its MP."""
    spend(Limit("RATELIMIT_SUBMIT_PER_MP", "confirm-mp", key=lambda: f"mp:{mp_id}"))


def counts_as_a_visit(code: str) -> bool:
    """Whether this visit through a share link or an alert's link may be
    counted (`code`: the link's code or token): once a day per
    visitor and link, and a few an hour per visitor in all, so anonymous
    traffic cannot inflate a campaign's k-factor or a sharer's credit. The
    visitor is redirected either way."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    allowances = (
        Limit("RATELIMIT_SHARE_VISIT", "share-visit", key=lambda: f"{code}:{client_ip()}"),
        Limit("RATELIMIT_SHARE_VISITS_PER_IP", "share-visits-ip"),
    )
    windows = [window for allowance in allowances for window in _windows(allowance)]
    try:
        return rate_store.take(windows) is None
    except StoreUnavailable:
        return False  # not counted; the visitor still gets where they were going
