"""Delivery: the worker that turns outbox rows into sent email, and calls
to partners' webhooks.

    claim_due (claims.py) -> build_email -> sender.send
    -> record_sent / record_retry / record_failure (outcomes.py)

A call (a kind with `perform`: app/outbox/kinds.py) is done in its own
claim, one at a time, with the same leases, fence and outcomes.

A claim is a lease: rows move to SENDING with a random lease token and an
expiry. A worker that dies leaves its rows to expire and be claimed again;
every outcome is written only if the row still carries this worker's token
(a fence), so a worker that lost its lease cannot overwrite a newer one.
A batch stops taking new rows once half the lease has passed, and the SMTP
timeout is far shorter than that, so a live worker never outlives its lease.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.pg_outcomes import outcome_writer
from app.adapters.smtp import PermanentSendError, Pipeline, SendError, SiteSendError, transport
from app.db import describe_error, utcnow, write_transaction
from app.extensions import db
from app.outbox import pauses
from app.outbox.claim_facts import one_claim
from app.outbox.claims import Band, Claim, claim_due, due_queries, load_rows, release
from app.outbox.health import Heartbeat
from app.outbox.jobs import Job, jobs
from app.outbox.kinds import TryAgain, Wait, build_email, perform, performed
from app.outbox.mime import NotYet, Unbuildable, Unsendable
from app.outbox.models import OutboxEmail
from app.outbox.outcomes import (
    lease_lost,
    record_deferred,
    record_failure,
    record_retry,
    record_sent,
    record_skipped,
    record_unbuilt,
)
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


def deliver_claim(claim: Claim, stop: threading.Event | None = None) -> PassResult:
    """Send every email in a claim over one SMTP connection, then make its
    calls (a claim of one band holds one or the other)."""
    result = PassResult(claimed=len(claim.ids))
    if not claim.ids:
        return result
    with one_claim():
        return _deliver(claim, result, stop)


def _deliver(claim: Claim, result: PassResult, stop: threading.Event | None) -> PassResult:
    # Read before the rows: its read ends in a rollback, which would expire
    # every row loaded (and each email would then reload its own).
    claim.paused = pauses.paused_now()
    emails: deque[OutboxEmail] = deque()
    calls: deque[OutboxEmail] = deque()
    for row in load_rows(claim.ids, band=claim.band):
        (calls if performed(row) else emails).append(row)
    if emails:
        _send(emails, claim, result, stop)
    if calls:
        _call(calls, claim, result, stop)
    result.released = release(claim, [row.id for row in (*emails, *calls)])
    return result


def _send(pending: deque[OutboxEmail], claim: Claim, result: PassResult, stop) -> None:
    """Send the emails over one SMTP connection; what is left in `pending`
    goes back to the queue.

    While the server digests one email (its final reply to DATA is the longest
    wait), the worker builds the next; while it checks the next sender and
    recipient, the worker records the last outcome. Each outcome is committed
    before the next email's content goes out, so a crash can repeat at most
    the one email whose verdict the worker was waiting for.
    """

    def on_verdict(row: OutboxEmail, error: SendError | None) -> None:
        _record(row, claim, error, result)

    deadline = time.monotonic() + current_app.config["DELIVERY_LEASE_SECONDS"] / 2
    try:
        with transport().connect() as sender, outcome_writer(lease_lost) as claim.outcomes:
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


def _call(pending: deque[OutboxEmail], claim: Claim, result: PassResult, stop) -> None:
    """Make the calls one at a time, each outcome written before the next;
    what is left in `pending` goes back to the queue. The calls of one pass
    stop after WEBHOOK_TIMEOUT_SECONDS, so email waits at most about twice
    that behind them. Whatever the far end does is booked on nobody but its
    endpoint (app/webhooks/delivery.py)."""
    deadline = time.monotonic() + current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    while pending and not _time_to_stop(deadline, stop, claim):
        row = pending.popleft()
        try:
            done = perform(row)
        except Wait as exc:
            record_deferred(row, claim, exc.until)
            result.retried += 1
        except TryAgain as exc:
            _count_retry(row, claim, exc.reason, result, not_before=exc.not_before)
        except Unsendable as exc:
            record_failure(row, claim, str(exc))
            result.failed += 1
        except Unbuildable as exc:
            record_unbuilt(row, claim, str(exc))
            result.failed += 1
        except SQLAlchemyError:
            # The database, not the call, and not the endpoint's doing: the
            # pass fails as any pass does when the database is away, and the
            # claim's rows are claimed again when their lease runs out.
            db.session.rollback()
            raise
        except Exception as exc:
            db.session.rollback()
            record_unbuilt(row, claim, f"unexpected {type(exc).__name__}")
            result.failed += 1
        else:
            if done:
                record_sent(row, claim)
                result.sent += 1
            else:
                record_skipped(row, claim)
                result.skipped += 1


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
    row: OutboxEmail,
    claim: Claim,
    reason: str,
    result: PassResult,
    *,
    site_problem: bool = False,
    not_before=None,
) -> None:
    if record_retry(row, claim, reason, site_problem=site_problem, not_before=not_before):
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
    due = due_queries(utcnow(), Band.ALERTS)
    return any(db.session.scalar(query.limit(1)) is not None for query in due)


def deliver_due(*, limit: int | None = None, stop: threading.Event | None = None) -> PassResult:
    """One pass: transactional mail first; then calls to webhooks, and alert
    mail as the rate limit allows."""
    config = current_app.config
    limit = limit or config["DELIVERY_BATCH_SIZE"]
    claim = claim_due(limit, band=Band.MAIL)
    if claim.ids:
        return deliver_claim(claim, stop)
    result = deliver_claim(claim_due(config["WEBHOOK_BATCH_SIZE"], band=Band.CALLBACKS), stop)
    allowed = _alert_throttle.take(config["ALERT_SEND_RATE"], limit)
    if not allowed:
        result.throttled = _alerts_due()
        return result
    result.add(deliver_claim(claim_due(allowed, band=Band.ALERTS), stop))
    return result


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
    # With `once`, every job runs before the first pass and again once the
    # queue is drained (what it queued is then delivered too); in between,
    # as a running worker runs them: when due. Running them at every pass
    # made a long `once` (bench/deliver.py) do a day's purges per claim.
    every_job = once
    while not stop.is_set():
        ran_every_job, every_job = every_job, False
        try:
            heartbeat.touch()
            run_housekeeping(all_due=ran_every_job)
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
                if ran_every_job:
                    break
                every_job = True
                continue
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


__all__ = ["PassResult", "deliver_claim", "deliver_due", "install_signal_handlers", "run_worker"]
