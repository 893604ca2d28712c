"""Is mail going out? Each worker's heartbeat, the queue, and the site problem
a worker meets: what the dashboard shows, and warns about.

A worker writes its heartbeat at most every WORKER_HEARTBEAT_SECONDS (and at
once when a site problem starts or ends), so it costs one small write every
few seconds, not one per email.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.models import OutboxEmail, OutboxStatus, WorkerHeartbeat

# Mail waiting and no worker seen for this long: the dashboard warns.
SILENT_AFTER = timedelta(minutes=2)
# Heartbeats older than this are not shown (a worker stopped for good).
FORGOTTEN_AFTER = timedelta(days=1)


@dataclass
class Heartbeat:
    """One worker process's heartbeat."""

    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}"[:120])
    site_problem: str | None = None
    _next: float = 0.0
    _written: bool = False  # the first beat writes the state, whatever was stored before

    def beat(self, site_problem: str | None = None) -> None:
        changed = site_problem != self.site_problem or not self._written
        if not changed and time.monotonic() < self._next:
            return
        now = utcnow()
        with write_transaction() as session:
            row = session.get(WorkerHeartbeat, self.worker_id)
            if row is None:
                row = WorkerHeartbeat(id=self.worker_id, started_at=now)
                session.add(row)
            row.last_seen = now
            if changed:
                row.site_problem = site_problem
                row.site_problem_since = now if site_problem else None
        self.site_problem = site_problem
        self._written = True
        self._next = time.monotonic() + current_app.config["WORKER_HEARTBEAT_SECONDS"]


@dataclass(frozen=True)
class MailHealth:
    workers: list[WorkerHeartbeat]
    waiting: int  # queued or being sent
    oldest_waiting: datetime | None
    now: datetime

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
        select(func.count(), func.min(OutboxEmail.created_at)).where(
            OutboxEmail.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING))
        )
    ).one()
    return MailHealth(list(workers), waiting, oldest, now)
