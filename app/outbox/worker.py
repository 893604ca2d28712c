"""Delivery: the worker that turns outbox rows into sent email.

    claim_due -> build_email -> sender.send -> record_sent / retry / failure

A claim is a lease: rows move to SENDING with a random lease token and an
expiry. A worker that dies leaves its rows to expire and be claimed again;
every outcome is written only if the row still carries this worker's token
(a fence), so a worker that lost its lease cannot overwrite a newer one.
A batch stops taking new rows once half the lease has passed, and the SMTP
timeout is far shorter than that, so a live worker never outlives its lease.

On PostgreSQL the claim is UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED), for rows whose lease ran out and then for queued rows: concurrent
workers take disjoint rows without waiting. On SQLite it is the same
UPDATE ... RETURNING inside BEGIN IMMEDIATE.
"""

from __future__ import annotations

import functools
import logging
import random
import secrets
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app import metrics
from app.adapters.pg_outcomes import OutcomeWriter, outcome_writer
from app.adapters.smtp import PermanentSendError, Pipeline, SendError, SiteSendError, transport
from app.db import describe_error, utcnow, write_transaction
from app.extensions import db
from app.outbox import pauses
from app.outbox.health import UNBUILT_PREFIX, Heartbeat
from app.outbox.jobs import Job, jobs
from app.outbox.kinds import KINDS, JoinedOutcome, build_email, loading
from app.outbox.mime import NotYet, Unbuildable, Unsendable
from app.outbox.models import BULK_PRIORITY, OutboxEmail, OutboxStatus
from app.outbox.signing import signed
from app.outbox.verdicts import BounceType, judge, status_in

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0
    throttled: bool = False  # alert mail is due but waiting for the rate limit
    site_problem: str | None = None  # the relay refused the site itself (SiteSendError)

    def add(self, other: PassResult) -> None:
        for name in ("claimed", "sent", "retried", "failed", "skipped", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.site_problem = other.site_problem or self.site_problem  # met at all in the run


@dataclass
class Claim:
    token: str
    ids: list[int] = field(default_factory=list)
    alerts: bool | None = None  # alert mail only, none of it, or any
    outcomes: OutcomeWriter | None = None  # records the bulk path's outcomes while delivering
    site_failures: int = 0  # the relay refused the site this many times in this claim
    paused: dict[str, datetime] = field(default_factory=dict)  # domains: mail waits until

    def confirm_outcome(self) -> None:
        """Wait for the last outcome written, if any: before the next email's content."""
        if self.outcomes is not None:
            self.outcomes.confirm()


def _band(query, alerts: bool | None):
    """Alert mail only (True), everything else (False), or all (None): alert mail
    is the bulk priority band, so either half is a range of the claim index."""
    if alerts is None:
        return query
    return query.where(
        OutboxEmail.priority >= BULK_PRIORITY if alerts else OutboxEmail.priority < BULK_PRIORITY
    )


def _due(now, alerts: bool | None):
    """Queries for the ids of rows whose lease ran out, then of queued rows due
    now, each most urgent first.

    Each is one range of the claim index (status, priority, id), so PostgreSQL
    walks it in order, stops at the limit and skips entries it finds dead. One
    query with OR gathered every queued and sending entry, dead ones included,
    and sorted them, so every claim slowed down after a large alert
    (docs/performance.md).
    """
    expired = and_(OutboxEmail.status == OutboxStatus.SENDING, OutboxEmail.lease_expires_at < now)
    waiting = and_(OutboxEmail.status == OutboxStatus.QUEUED, OutboxEmail.not_before <= now)
    return [
        _band(select(OutboxEmail.id).where(condition), alerts).order_by(
            OutboxEmail.priority, OutboxEmail.id
        )
        for condition in (expired, waiting)
    ]


def claim_due(limit: int, *, alerts: bool | None = None) -> Claim:
    """Lease up to `limit` due rows to this worker: any whose lease ran out,
    then the queued, most urgent first.

    `alerts`: True for alert mail only, False for everything else, None for all.
    """
    claim = Claim(token=secrets.token_hex(8), alerts=alerts)
    now = utcnow()
    lease = timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
    with write_transaction() as session:
        for due in _due(now, alerts):
            wanted = limit - len(claim.ids)
            if wanted <= 0:
                break
            locked = due.limit(wanted).with_for_update(skip_locked=True).scalar_subquery()
            claim.ids += session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id.in_(locked))
                .values(
                    status=OutboxStatus.SENDING,
                    lease_token=claim.token,
                    lease_expires_at=now + lease,
                    attempts=OutboxEmail.attempts + 1,
                )
                .returning(OutboxEmail.id),
                execution_options={"synchronize_session": False},
            ).scalars()
    claim.ids.sort()
    return claim


def release(claim: Claim, ids: list[int]) -> int:
    """Give unsent rows back to the queue, undoing the attempt the claim counted."""
    if not ids:
        return 0
    with write_transaction() as session:
        result = session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id.in_(ids),
                OutboxEmail.lease_token == claim.token,
                OutboxEmail.status == OutboxStatus.SENDING,
            )
            .values(
                status=OutboxStatus.QUEUED,
                lease_token=None,
                lease_expires_at=None,
                attempts=OutboxEmail.attempts - 1,
            ),
            execution_options={"synchronize_session": False},
        )
    return result.rowcount


def load_rows(ids: list[int], *, alerts: bool | None = None) -> list[OutboxEmail]:
    """The claimed rows with everything their emails need, in a few queries:
    what each feature declared its emails need (app/outbox/kinds.py's
    `loading`). An alert claim (`alerts=True`) asks for less.
    """
    options = loading(alerts)
    # Anything this session loaded before is refreshed by the query below, so
    # no email is built from a letter's old state (cheaper than populate_existing,
    # which resets every row loaded, old or new).
    db.session.expire_all()
    rows = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.id.in_(ids))
        .options(*options)
        .order_by(OutboxEmail.id)
    ).all()
    db.session.commit()  # end the read; each outcome is its own transaction
    return list(rows)


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
        claim.outcomes.write(row.id, statement, params, hook, row.letter_id, reason)
        return
    with write_transaction() as session:  # a hook, or no connection was ever opened
        done = session.execute(statement, params).rowcount
        if done and hook is not None:
            for name, value in values.items():
                set_committed_value(row, name, value)  # as stored, so not flushed again
            hook(row, reason)
    if not done:
        _lease_lost(row.id)


def _counted(row: OutboxEmail, outcome: str) -> None:
    metrics.EMAILS.labels(str(row.kind), outcome).inc()


def _lease_lost(row_id: int) -> None:
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


def deliver_claim(claim: Claim, stop: threading.Event | None = None) -> PassResult:
    """Send every row in a claim over one SMTP connection.

    While the server digests one email (its final reply to DATA is the longest
    wait), the worker builds the next; while it checks the next sender (and,
    on PostgreSQL, its recipient), the worker records the last outcome. Each
    outcome is committed before the next email's content goes out, so a crash
    can repeat at most the one email whose verdict the worker was waiting for.
    """
    result = PassResult(claimed=len(claim.ids))
    if not claim.ids:
        return result
    claim.paused = pauses.paused_now()
    pending = deque(load_rows(claim.ids, alerts=claim.alerts))

    def on_verdict(row: OutboxEmail, error: SendError | None) -> None:
        _record(row, claim, error, result)

    deadline = time.monotonic() + current_app.config["DELIVERY_LEASE_SECONDS"] / 2
    try:
        with transport().connect() as sender, outcome_writer(_lease_lost) as claim.outcomes:
            mail = Pipeline(sender, on_verdict, before_content=claim.confirm_outcome)
            while pending and not mail.broken and not _time_to_stop(deadline, stop, claim):
                row = pending.popleft()
                email = _build(row, claim, result)  # while the server digests the last
                if email is None:
                    mail.flush()
                elif not mail.send(email, row):
                    pending.appendleft(row)  # waits for a fresh connection on the next pass
            mail.flush()
            claim.confirm_outcome()
    except SendError as exc:
        # Could not connect at all: every row still waiting gets a retry.
        claim.outcomes = None  # (the writer, if it was opened, is closed by now)
        site = isinstance(exc, SiteSendError)
        if site:
            result.site_problem = exc.reason
        while pending:
            _count_retry(pending.popleft(), claim, exc.reason, result, site_problem=site)
    finally:
        claim.outcomes = None
    result.released = release(claim, [row.id for row in pending])
    return result


def _time_to_stop(deadline: float, stop: threading.Event | None, claim: Claim) -> bool:
    """Half the lease gone, a signal, or the relay refusing the site again and
    again (a circuit breaker: the rest wait, and run_worker pauses)."""
    if claim.site_failures >= current_app.config["WORKER_SITE_FAILURES_BEFORE_PAUSE"]:
        return True
    return time.monotonic() > deadline or (stop is not None and stop.is_set())


def _build(row: OutboxEmail, claim: Claim, result: PassResult):
    """The row's email, or None once it is recorded why there is none to send.

    An email the site cannot build fails alone and is booked against nobody;
    the queue moves on. Any error's text may quote what was being built, so
    only its class is kept."""
    try:
        email = build_email(row)
    except Unsendable as exc:
        record_failure(row, claim, str(exc))
        result.failed += 1
        return None
    except Unbuildable as exc:
        record_unbuilt(row, claim, str(exc))
        result.failed += 1
        return None
    except NotYet as exc:
        record_retry(row, claim, str(exc), site_problem=True)  # waits; never given up
        result.retried += 1
        return None
    except Exception as exc:
        record_unbuilt(row, claim, f"unexpected {type(exc).__name__}")
        result.failed += 1
        return None
    if email is None:
        record_skipped(row, claim)
        result.skipped += 1
        return None
    # (Most claims meet no paused domain: the recipient is read only if one is.)
    until = claim.paused and claim.paused.get(pauses.domain_of(pauses.recipient_of(email)))
    if until:
        record_deferred(row, claim, until)
        result.retried += 1
        return None
    return signed(row, email)


def _record(row: OutboxEmail, claim: Claim, error: SendError | None, result: PassResult) -> None:
    if error is None:
        record_sent(row, claim)
        result.sent += 1
    elif isinstance(error, PermanentSendError):
        # A refusal is the recipient's only when its words say so: a blocklist
        # or a failed DMARC check at RCPT is the site's (app/outbox/verdicts.py).
        verdict = judge(status_in(error.reason), error.reason, permanent=True)
        if verdict == BounceType.SITE:
            _pause_its_domain(row, claim, error.reason, result)
        elif verdict == BounceType.TRANSIENT:
            _count_retry(row, claim, error.reason, result)
        else:
            record_failure(row, claim, error.reason)
            result.failed += 1
    elif isinstance(error, SiteSendError):
        result.site_problem = error.reason
        claim.site_failures += 1
        _count_retry(row, claim, error.reason, result, site_problem=True)
    else:
        _count_retry(row, claim, error.reason, result)


def _pause_its_domain(row: OutboxEmail, claim: Claim, reason: str, result: PassResult) -> None:
    """Booked on nobody: the recipient's domain is paused, and this email
    waits with the rest of that domain's mail."""
    domain = pauses.recipient_domain(row)
    with write_transaction() as session:
        until = pauses.pause(session, domain, reason)
    if until is not None:
        claim.paused[domain] = until
    reason = f"refused for the site's reasons: {reason}"
    record_retry(row, claim, reason, site_problem=True, not_before=until)
    result.retried += 1


def _count_retry(
    row: OutboxEmail, claim: Claim, reason: str, result: PassResult, *, site_problem: bool = False
) -> None:
    if record_retry(row, claim, reason, site_problem=site_problem):
        result.retried += 1
    else:
        result.failed += 1


class AlertThrottle:
    """A token bucket: at most ALERT_SEND_RATE alert emails a second from this worker."""

    def __init__(self):
        self.tokens = 0.0
        self.last = time.monotonic()

    def take(self, rate: float, wanted: int) -> int:
        if rate <= 0:
            return wanted
        now = time.monotonic()
        self.tokens = min(self.tokens + (now - self.last) * rate, max(rate, 1.0))
        self.last = now
        granted = int(min(self.tokens, wanted))
        self.tokens -= granted
        return granted


_alert_throttle = AlertThrottle()


def _alerts_due() -> bool:
    return any(db.session.scalar(due.limit(1)) is not None for due in _due(utcnow(), True))


def deliver_due(*, limit: int | None = None, stop: threading.Event | None = None) -> PassResult:
    """One pass: transactional mail first; alert mail only as the rate limit allows."""
    limit = limit or current_app.config["DELIVERY_BATCH_SIZE"]
    claim = claim_due(limit, alerts=False)
    if claim.ids:
        return deliver_claim(claim, stop)
    allowed = _alert_throttle.take(current_app.config["ALERT_SEND_RATE"], limit)
    if not allowed:
        return PassResult(throttled=_alerts_due())
    return deliver_claim(claim_due(allowed, alerts=True), stop)


# The worker process.


# This process's schedule, made at its first housekeeping: the features
# declare their jobs when the app is made (app/features.py), after this
# module may have been imported.
_schedule: list[Job] = []


def run_housekeeping(*, all_due: bool = False) -> None:
    if not _schedule:
        _schedule.extend(jobs())
    now = time.monotonic()
    for task in _schedule:
        if not all_due and now < task.due:
            continue
        task.due = now + task.every
        try:
            done = task.run()
        except Exception:
            db.session.rollback()
            log.exception("housekeeping task %s failed", task.run.__name__)
        else:
            if done:
                log.info("%s: %s", task.run.__name__, done)


def run_worker(*, once: bool = False, stop: threading.Event | None = None) -> PassResult:
    """Deliver until stopped; with `once`, until nothing is due, then return."""
    stop = stop or threading.Event()
    total = PassResult()
    idle = current_app.config["WORKER_IDLE_SECONDS"]
    failures = 0  # passes failed in a row
    refused = 0  # passes in a row in which the relay refused the site itself
    heartbeat = Heartbeat()
    while not stop.is_set():
        try:
            heartbeat.touch()
            run_housekeeping(all_due=once)
            result = deliver_due(stop=stop)
            if result.site_problem and not result.sent:
                heartbeat.beat(result.site_problem)
            elif result.sent and heartbeat.site_problem:
                heartbeat.beat(None)  # mail goes out again: the problem is over
        except Exception as exc:
            # The database restarted or stayed locked, or a bug: this pass's
            # leased rows are claimed again once their lease runs out. Wait,
            # longer each time, and carry on; only a signal stops the worker.
            if once:
                raise
            failures += 1
            delay = _pause_after(failures)
            log.error("worker pass failed (%s); trying again in %.1fs", describe_error(exc), delay)
            stop.wait(delay)
            continue
        finally:
            # A fresh session per pass: no stale rows, no half-done transaction
            # after a failure, and no identity map that grows for as long as
            # the worker runs.
            db.session.remove()
        failures = 0
        total.add(result)
        if result.claimed:
            # One line per pass with mail in it: counts only, nobody's data.
            log.info(
                "delivered a batch: %s sent, %s to retry, %s failed, %s skipped, %s released",
                result.sent, result.retried, result.failed, result.skipped, result.released,
            )  # fmt: skip
        if result.site_problem and not result.sent and not once:
            # A circuit breaker: the relay refuses the site, so everyone's mail
            # would be refused too. The rest waits; after a growing pause the
            # next email probes the relay.
            refused += 1
            delay = _pause_after(refused)
            log.error("the relay refuses the site (%s): paused %.1fs", result.site_problem, delay)
            stop.wait(delay)
            continue
        refused = 0
        if result.claimed == 0:
            if once and not result.throttled:
                break
            rate = current_app.config["ALERT_SEND_RATE"]
            stop.wait(min(idle, 1 / rate) if result.throttled and rate > 0 else idle)
    return total


def _pause_after(failures: int) -> float:
    """Seconds to wait after `failures` failed passes in a row: doubling from
    WORKER_ERROR_PAUSE_SECONDS, capped at WORKER_ERROR_PAUSE_MAX_SECONDS."""
    config = current_app.config
    pause = config["WORKER_ERROR_PAUSE_SECONDS"] * 2 ** (failures - 1)
    return min(pause, config["WORKER_ERROR_PAUSE_MAX_SECONDS"])


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT finish the email in hand, release the rest, and exit."""

    def handle(signum, _frame):
        log.info("worker stopping (signal %s)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


__all__ = [
    "Claim",
    "PassResult",
    "claim_due",
    "deliver_claim",
    "deliver_due",
    "install_signal_handlers",
    "load_rows",
    "run_worker",
]
