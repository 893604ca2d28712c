"""The table of kinds of work: how each is built or done, and what its outcome does.

One row per `EmailKind`, and one per webhook event (app/webhooks/). The
worker (app/outbox/worker.py) looks a claimed row's kind up here and
nowhere else. Each feature declares its own kinds
where it lives (its package's `outbox.py`, with `declare`), and
app/features.py registers every feature when the app is made: the outbox
imports no feature to know them.

- `build(row)` returns the email, None when it no longer needs sending (its
  letter was confirmed or stopped meanwhile), or raises Unsendable (the
  recipient cannot be mailed) or Unbuildable (a site problem);
- or, for work other than email, `perform(row)` does it (a call to a
  partner's webhook) and returns True, or False when it no longer needs
  doing; it raises Wait (not yet, no attempt counted), TryAgain (the far end
  failed for now), Unsendable (the far end is gone) or Unbuildable;
- `addressee(row)` says who reads it: their address (whose domain a refusal
  pauses, app/outbox/pauses.py) and the language they used the site in;
  without one, the row's own `to_address` and `language`;
- `on_sent`, `on_failed`, `on_retry`, `on_unbuilt(row, reason)` run in the transaction
  that records the outcome. A `JoinedOutcome` (such as app/letters/outcomes.py's
  `LetterOutcome`) is joined, on PostgreSQL, to the outcome's own UPDATE
  as one statement;
- `bulk` kinds (alerts) are queued at BULK_PRIORITY, after every
  transactional email, and sent at ALERT_SEND_RATE;
- `in_english` kinds go to MPs' offices and the people running the site.

And what the worker loads with the rows it claims is declared by the
features whose emails need it (`declare_loading`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from app.i18n import reading_in
from app.outbox.health import site_problem_email
from app.outbox.mime import Email, Unbuildable
from app.outbox.models import BULK_PRIORITY, CALLBACK_PRIORITY, EmailKind, OutboxEmail
from app.outbox.verdicts import BounceType

OnOutcome = Callable[[OutboxEmail, str | None], None]  # on_sent's reason is None
OnFailure = Callable[[OutboxEmail, str], None]  # on_failed's and on_retry's is the error


class Addressee(NamedTuple):
    address: str
    language: str


class JoinedOutcome:
    """An outcome hook the outcome writer may join to the email's own fenced
    UPDATE (app/adapters/pg_outcomes.py's JoinableOutcome); any other hook
    runs in a transaction with that UPDATE."""

    def apply(self, connection, row: OutboxEmail, reason: str | None) -> None:
        """Run after the fenced UPDATE, in its transaction."""
        raise NotImplementedError

    def params(self, reason: str | None) -> dict:
        raise NotImplementedError

    def joined_to(self, fenced_update):
        """One statement: the fenced UPDATE and this outcome together."""
        raise NotImplementedError


class Wait(Exception):
    """The work must wait until `until`, through no one's fault, and this was
    no attempt (a paused endpoint; an earlier event of the same subject still
    on its way)."""

    def __init__(self, until: datetime, reason: str = ""):
        super().__init__(reason)
        self.until = until


class TryAgain(Exception):
    """The far end failed for now (a webhook's 5xx or 429, a timeout): tried
    again from `not_before` (or after the usual growing delay), and given up
    after DELIVERY_GIVE_UP_HOURS. `reason` names no person."""

    def __init__(self, reason: str, not_before: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.not_before = not_before


@dataclass(frozen=True)
class Kind:
    build: Callable[[OutboxEmail], Email | None] | None = None
    perform: Callable[[OutboxEmail], bool] | None = None  # work other than email
    addressee: Callable[[OutboxEmail], Addressee | None] | None = None
    on_sent: OnOutcome | None = None
    on_failed: OnFailure | None = None
    on_retry: OnFailure | None = None
    on_unbuilt: OnFailure | None = None  # the site could not build it: never the person's fault
    # What a bounce report of this verdict, arriving later, does to its
    # reader (app/bounces/handling.py); it says what it did, for the log.
    on_report: Callable[[OutboxEmail, BounceType, str], str] | None = None
    bulk: bool = False
    in_english: bool = False  # whatever its reader's language (offices, admins)

    @property
    def priority(self) -> int:
        if self.perform is not None:
            return CALLBACK_PRIORITY
        return BULK_PRIORITY if self.bulk else 0


KINDS: dict[str, Kind] = {}


def declare(kind: str, spec: Kind) -> None:
    """A feature's kind of work (declaring it again replaces it: an app made twice)."""
    KINDS[kind] = spec


# Loader options for the rows a worker claims, by feature: `options(alerts)`
# is called with True for a claim of alert mail only, else False or None.
LOADING: dict[str, Callable[[bool | None], list]] = {}
THEN_LOADING: dict[str, Callable[[list], None]] = {}


def declare_loading(
    options: Callable[[bool | None], list], then: Callable[[list], None] | None = None
) -> None:
    """A feature's loader options for a claim's rows, and `then`, run on the
    loaded rows in the same read, for what options cannot say (a collection
    only a few of the rows need)."""
    LOADING[f"{options.__module__}.{options.__qualname__}"] = options
    if then is not None:
        THEN_LOADING[f"{then.__module__}.{then.__qualname__}"] = then


def loading(alerts: bool | None) -> list:
    """Every feature's loader options for a claim."""
    return [option for options in LOADING.values() for option in options(alerts)]


def then_loading(rows: list) -> None:
    """Every feature's `then`, on a claim's loaded rows."""
    for then in THEN_LOADING.values():
        then(rows)


# The outbox's own: the admins' email about a site problem.
declare(EmailKind.SITE_PROBLEM, Kind(site_problem_email, in_english=True))


def build_email(row: OutboxEmail) -> Email | None:
    """The email for an outbox row; None when it no longer needs sending.

    Raises Unsendable when its recipient cannot be mailed, Unbuildable when the
    site cannot build it.
    """
    kind = KINDS.get(row.kind)
    if kind is None or kind.build is None:
        raise Unbuildable(f"no builder for email kind {row.kind!r}")
    with reading_in(reader_language(row)):
        return kind.build(row)


def performed(row: OutboxEmail) -> bool:
    """Whether the row is work other than email (its kind has `perform`)."""
    kind = KINDS.get(row.kind)
    return kind is not None and kind.perform is not None


def perform(row: OutboxEmail) -> bool:
    """Do a row's work other than email: True when done, False when it no
    longer needs doing. Raises what its kind's `perform` raises."""
    kind = KINDS.get(row.kind)
    if kind is None or kind.perform is None:
        raise Unbuildable(f"no way to perform {row.kind!r}")
    return kind.perform(row)


def reader_language(row: OutboxEmail) -> str:
    """The language its reader used the site in."""
    kind = KINDS.get(row.kind)
    if kind is not None and kind.in_english:
        return "en"
    if row.language:
        return row.language
    found = _addressee(row, kind)
    return found.language if found else "en"


def recipient_address(row: OutboxEmail) -> str:
    """Who its email goes to (as its builder addresses it)."""
    if row.to_address:
        return row.to_address
    found = _addressee(row, KINDS.get(row.kind))
    return found.address if found else ""


def _addressee(row: OutboxEmail, kind: Kind | None) -> Addressee | None:
    """The reader its kind names, if it names one."""
    return kind.addressee(row) if kind is not None and kind.addressee else None
