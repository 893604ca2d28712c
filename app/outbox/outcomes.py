"""Outcomes: what became of each claimed row (sent, retried later, failed,
not built), written only while the worker still holds its lease.

Each is one fenced UPDATE, committed on its own, with its kind's hook
(app/outbox/kinds.py) joined to it or run in its transaction.
"""

from __future__ import annotations

import functools
import logging
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value

from app import metrics
from app.db import utcnow, write_transaction
from app.outbox.claims import Claim
from app.outbox.health import UNBUILT_PREFIX
from app.outbox.kinds import KINDS, JoinedOutcome
from app.outbox.models import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)


@functools.cache
def _fenced_update(columns: tuple[str, ...]):
    """UPDATE outbox SET <columns> WHERE id, lease token and SENDING match, built
    once per shape: constructing the expression per email cost more than running it."""
    table = OutboxEmail.__table__
    return (
        table.update()
        .where(
            table.c.id == bindparam("row_id"),
            table.c.lease_token == bindparam("token"),
            table.c.status == OutboxStatus.SENDING,
        )
        .values({name: bindparam(f"set_{name}") for name in columns})
    )


def _settle(row: OutboxEmail, claim: Claim, values: dict, hook=None, reason=None) -> None:
    """Write an outcome, only while this worker still holds the row's lease.

    One fenced UPDATE, committed on its own: a crash repeats at most the email
    in hand. It goes through the claim's outcome writer with its letter's
    outcome, if any (the writer joins the two or runs them in turn, as its
    database allows). Any other hook (an alert's bounce) runs in a session
    transaction with the UPDATE, on the row the worker loaded.
    """
    claim.confirm_outcome()  # at most one outcome unconfirmed at a time
    params = {"row_id": row.id, "token": claim.token}
    params.update((f"set_{name}", value) for name, value in values.items())
    statement = _fenced_update(tuple(values))
    if claim.outcomes is not None and (hook is None or isinstance(hook, JoinedOutcome)):
        claim.outcomes.write(row.id, statement, params, hook, row, reason)
        return
    with write_transaction() as session:  # a hook, or no connection was ever opened
        done = session.execute(statement, params).rowcount
        if done and hook is not None:
            for name, value in values.items():
                set_committed_value(row, name, value)  # as stored, so not flushed again
            hook(row, reason)
    if not done:
        lease_lost(row.id)


def _counted(row: OutboxEmail, outcome: str) -> None:
    counter = metrics.EMAILS if row.endpoint_id is None else metrics.CALLS
    counter.labels(str(row.kind), outcome).inc()


def lease_lost(row_id: int) -> None:
    log.warning("outbox %s: lease lost before its outcome was recorded", row_id)


def record_sent(row: OutboxEmail, claim: Claim) -> None:
    values = {
        "status": OutboxStatus.SENT,
        "sent_at": utcnow(),
        "lease_token": None,
        "last_error": None,
    }
    _settle(row, claim, values, KINDS[row.kind].on_sent)
    _counted(row, "sent")


def record_skipped(row: OutboxEmail, claim: Claim) -> None:
    _settle(row, claim, {"status": OutboxStatus.CANCELLED, "lease_token": None})
    _counted(row, "skipped")


def record_deferred(row: OutboxEmail, claim: Claim, until: datetime) -> None:
    """Its domain is paused (app/outbox/pauses.py): back to the queue until
    the pause ends, and this was no attempt."""
    values = {
        "status": OutboxStatus.QUEUED,
        "not_before": until,
        "lease_token": None,
        "lease_expires_at": None,
        "attempts": max(row.attempts - 1, 0),
    }
    _settle(row, claim, values)
    _counted(row, "deferred")


def retry_delay(attempts: int) -> float:
    """Seconds before the next try: doubling from the base, capped, with jitter."""
    config = current_app.config
    base = config["DELIVERY_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return min(base, config["DELIVERY_RETRY_MAX_SECONDS"]) * random.uniform(0.8, 1.2)  # noqa: S311


def record_retry(
    row: OutboxEmail,
    claim: Claim,
    reason: str,
    *,
    site_problem: bool = False,
    not_before: datetime | None = None,
) -> bool:
    """Schedule another attempt; returns False if it is time to give up instead.
    A site problem never gives up: the mail waits until the site is fixed."""
    give_up = timedelta(hours=current_app.config["DELIVERY_GIVE_UP_HOURS"])
    if not site_problem and utcnow() - row.created_at >= give_up:
        record_failure(row, claim, f"gave up after {row.attempts} attempts: {reason}")
        return False
    delay = retry_delay(row.attempts)
    not_before = not_before or utcnow() + timedelta(seconds=delay)
    values = {
        "status": OutboxStatus.QUEUED,
        "not_before": not_before,
        "lease_token": None,
        "lease_expires_at": None,
        "last_error": reason[:300],
    }
    wait = (not_before - utcnow()).total_seconds()
    note = f"attempt {row.attempts} failed ({reason}); retrying in {wait:.0f}s"
    _settle(row, claim, values, KINDS[row.kind].on_retry, note)
    _counted(row, "retried")
    return True


def record_failure(row: OutboxEmail, claim: Claim, reason: str) -> None:
    values = {"status": OutboxStatus.FAILED, "lease_token": None, "last_error": reason[:300]}
    _settle(row, claim, values, KINDS[row.kind].on_failed, reason)
    _counted(row, "failed")
    log.warning("outbox %s (%s) failed: %s", row.id, row.kind, reason)


def record_unbuilt(row: OutboxEmail, claim: Claim, reason: str) -> None:
    """The site could not build the email: it fails alone, and nobody is
    suppressed or told their letter failed (KINDS' on_unbuilt, not on_failed)."""
    values = {
        "status": OutboxStatus.FAILED,
        "lease_token": None,
        "last_error": f"{UNBUILT_PREFIX}{reason}"[:300],
    }
    _settle(row, claim, values, KINDS[row.kind].on_unbuilt, reason)
    _counted(row, "unbuilt")
    log.error("outbox %s (%s) could not be built: %s", row.id, row.kind, reason)
