"""Is mail going out? Each worker's heartbeat, the queue, and the site problem
a worker meets: what the dashboard shows, and warns about.

A worker writes its heartbeat at most every WORKER_HEARTBEAT_SECONDS (and at
once when a site problem starts or ends), so it costs one small write every
few seconds, not one per email.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.models import AdminUser, Role
from app.db import utcnow, write_transaction
from app.extensions import db
from app.links import external_url
from app.outbox.mime import Email, new_email, person, render_email
from app.outbox.models import DomainPause, EmailKind, OutboxEmail, OutboxStatus, WorkerHeartbeat

log = logging.getLogger(__name__)
# Mail waiting and no worker seen for this long: the dashboard warns.
SILENT_AFTER = timedelta(minutes=2)
# Emails the site could not build are shown for a week (their rows stay).
UNBUILT_PREFIX = "not built: "
UNBUILT_SHOWN_FOR = timedelta(days=7)
# Heartbeats older than this are not shown (a worker stopped for good).
FORGOTTEN_AFTER = timedelta(days=1)
# Emails refused for the site's reasons (bounce reports): shown for a day,
# and the admins told once a day at most.
REFUSALS_SHOWN_FOR = REFUSALS_TOLD_EVERY = timedelta(days=1)


@dataclass
class Heartbeat:
    """One worker process's heartbeat. `touch()` says it is alive; `beat(problem)`
    also records the site problem it meets now (None: mail goes out again)."""

    worker_id: str = field(default_factory=lambda: _worker_id())
    site_problem: str | None = None
    _next: float = 0.0
    _read: bool = False  # the stored problem is adopted at the first write

    def touch(self) -> None:
        if self._read and time.monotonic() < self._next:
            return
        self._write(None, change=False)

    def beat(self, site_problem: str | None) -> None:
        if self._read and site_problem == self.site_problem:
            self.touch()
            return
        self._write(site_problem, change=True)

    def _write(self, site_problem: str | None, *, change: bool) -> None:
        try:
            self._store(site_problem, change=change)
        except SQLAlchemyError as exc:
            # Best effort: a heartbeat must never stop the mail. The next pass
            # writes it again (and the worker's own error handling sees a
            # database that is really away).
            db.session.rollback()
            log.warning("worker heartbeat not written: %s", type(exc).__name__)

    def _store(self, site_problem: str | None, *, change: bool) -> None:
        now = utcnow()
        with write_transaction() as session:
            row = session.get(WorkerHeartbeat, self.worker_id)
            if row is None:
                row = WorkerHeartbeat(id=self.worker_id, started_at=now)
                session.add(row)
            row.last_seen = now
            if change and site_problem != row.site_problem:
                if site_problem and not row.site_problem:
                    _tell_the_admins(session, site_problem)
                row.site_problem = site_problem
                row.site_problem_since = now if site_problem else None
            self.site_problem = row.site_problem
        self._read = True
        self._next = time.monotonic() + current_app.config["WORKER_HEARTBEAT_SECONDS"]


def _worker_id() -> str:
    """host:pid, and the thread when it is not the main one (tests run two
    workers as threads of one process)."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    if threading.current_thread() is not threading.main_thread():
        name += f":{threading.get_native_id()}"
    return name[:120]


def _tell_the_admins(session, reason: str) -> None:
    """One email to each active admin when a site problem starts, unless one
    is still waiting to go (several workers meet the same problem)."""
    waiting = session.scalar(
        select(func.count()).where(
            OutboxEmail.kind == EmailKind.SITE_PROBLEM,
            OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
        )
    )
    if waiting:
        return
    for address in session.scalars(
        select(AdminUser.email).where(AdminUser.active, AdminUser.role == Role.ADMIN)
    ):
        session.add(OutboxEmail(kind=EmailKind.SITE_PROBLEM, to_address=address))
    log.error("a site problem: %s", reason)


def tell_the_admins_of_refusals(session, diagnostic: str) -> None:
    """A receiving server refused an email for the site's reasons (a blocklist,
    authentication, content): the admins hear of it once a day at most."""
    told = session.scalar(
        select(func.count()).where(
            OutboxEmail.kind == EmailKind.SITE_PROBLEM,
            OutboxEmail.created_at >= utcnow() - REFUSALS_TOLD_EVERY,
        )
    )
    if not told:
        _tell_the_admins(session, f"a receiving server refused our mail: {diagnostic}")


# What bounce reports say of refusals for the site's reasons since a time:
# (how many, the newest one's words). The bounces feature plugs it in
# (app/bounces/outbox.py); with none plugged in, there are none.
Refusals = Callable[[datetime], tuple[int, str | None]]
REFUSALS: dict[str, Refusals] = {}


def declare_refusals(refusals: Refusals) -> None:
    """(Declaring it again replaces it: an app made twice.)"""
    REFUSALS[f"{refusals.__module__}.{refusals.__qualname__}"] = refusals


def refusals_since(since: datetime) -> tuple[int, str | None]:
    found = [source(since) for source in REFUSALS.values()]
    return (sum(n for n, _ in found), next((said for _, said in found if said), None))


def latest_refusal(now: datetime) -> str | None:
    """What the newest receiving server that refused our mail for the site's
    reasons said, within REFUSALS_SHOWN_FOR, or None."""
    return refusals_since(now - REFUSALS_SHOWN_FOR)[1]


def _refusal_problem() -> str | None:
    diagnostic = latest_refusal(utcnow())
    if diagnostic is None:
        return None
    return f"a receiving server refused our mail for a reason on our side ({diagnostic})"


def site_problem_email(row: OutboxEmail) -> Email:
    """The admins' email about a site problem (KINDS)."""
    problem = (
        db.session.scalar(
            select(WorkerHeartbeat.site_problem)
            .where(WorkerHeartbeat.site_problem.is_not(None))
            .order_by(WorkerHeartbeat.site_problem_since.desc())
            .limit(1)
        )
        or _refusal_problem()
    )
    site_name = current_app.config["SITE_NAME"]
    text = render_email(
        "site_problem/body.txt",
        site_name=site_name,
        reason=problem or "the problem has ended since",
        dashboard_url=external_url("admin.dashboard"),
    )
    subject = f"{site_name}: mail is not going out"
    return new_email(row, to=person("", row.to_address or ""), subject=subject, text=text)


# Emails queued or being sent. Calls to webhooks are not mail: an endpoint
# that fails for hours is its owner's problem (app/webhooks/), and must not
# raise the site's "mail is stuck" warnings and alerts.
_EMAIL_WAITING = (
    OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
    OutboxEmail.endpoint_id.is_(None),
)


@dataclass(frozen=True)
class MailHealth:
    workers: list[WorkerHeartbeat]
    waiting: int  # queued or being sent
    oldest_waiting: datetime | None
    now: datetime
    unbuilt: int = 0  # emails the site could not build, in the last week
    last_unbuilt: str | None = None  # the newest one's reason
    refused: int = 0  # emails receiving servers refused for the site's reasons, in a day
    last_refusal: str | None = None  # the newest one's diagnostic
    paused: tuple[DomainPause, ...] = ()  # domains whose mail waits (app/outbox/pauses.py)

    @property
    def last_seen(self) -> datetime | None:
        return max((w.last_seen for w in self.workers), default=None)

    @property
    def no_worker(self) -> bool:
        """Mail is waiting and no worker has been seen for SILENT_AFTER."""
        last = self.last_seen
        return self.waiting > 0 and (last is None or self.now - last > SILENT_AFTER)

    @property
    def site_problems(self) -> list[WorkerHeartbeat]:
        """Live workers that the relay refuses (its sender, sign-in or TLS)."""
        return [
            w for w in self.workers if w.site_problem and self.now - w.last_seen <= SILENT_AFTER
        ]

    @property
    def oldest_waiting_minutes(self) -> int | None:
        if self.oldest_waiting is None:
            return None
        return int((self.now - self.oldest_waiting).total_seconds() // 60)


def mail_health() -> MailHealth:
    now = utcnow()
    workers = db.session.scalars(
        select(WorkerHeartbeat)
        .where(WorkerHeartbeat.last_seen >= now - FORGOTTEN_AFTER)
        .order_by(WorkerHeartbeat.last_seen.desc())
    ).all()
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(OutboxEmail.created_at)).where(*_EMAIL_WAITING)
    ).one()
    not_built = (
        OutboxEmail.status == OutboxStatus.FAILED,
        OutboxEmail.last_error.startswith(UNBUILT_PREFIX),
        OutboxEmail.created_at >= now - UNBUILT_SHOWN_FOR,
    )
    unbuilt = db.session.scalar(select(func.count()).where(*not_built))
    last_unbuilt = db.session.scalar(
        select(OutboxEmail.last_error).where(*not_built).order_by(OutboxEmail.id.desc()).limit(1)
    )
    refused, last_refusal = refusals_since(now - REFUSALS_SHOWN_FOR)
    paused = db.session.scalars(
        select(DomainPause).where(DomainPause.until > now).order_by(DomainPause.until.desc())
    ).all()
    return MailHealth(list(workers), waiting, oldest, now, unbuilt or 0, last_unbuilt,
                      refused or 0, last_refusal, tuple(paused))  # fmt: skip


class OutboxCollector:
    """Gauges for Prometheus, read from the database at each scrape (so every
    host reports the same queue): emails waiting by kind, the oldest one's age,
    and the seconds since any worker was last seen."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        now = utcnow()
        waiting = GaugeMetricFamily(
            "wtym_outbox_waiting", "Emails queued or being sent, by kind.", labels=["kind"]
        )
        rows = db.session.execute(
            select(OutboxEmail.kind, func.count(), func.min(OutboxEmail.created_at))
            .where(*_EMAIL_WAITING)
            .group_by(OutboxEmail.kind)
        ).all()
        counts = {str(kind): 0 for kind in EmailKind}
        oldest = None
        for stored_kind, count, created in rows:
            counts[str(stored_kind)] = count
            oldest = created if oldest is None else min(oldest, created)
        for name, count in sorted(counts.items()):
            waiting.add_metric([name], count)
        yield waiting
        yield GaugeMetricFamily(
            "wtym_outbox_oldest_waiting_seconds",
            "Age of the oldest email waiting to be sent (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )
        last_seen = db.session.scalar(select(func.max(WorkerHeartbeat.last_seen)))
        silence = GaugeMetricFamily(
            "wtym_worker_last_seen_seconds",
            "Seconds since any worker last wrote its heartbeat (absent: none ever did).",
        )
        if last_seen is not None:
            silence.add_metric([], (now - last_seen).total_seconds())
        yield silence
