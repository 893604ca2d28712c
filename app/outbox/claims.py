"""Claims: the rows a worker takes, as leases.

A claim moves rows to SENDING with a random lease token and an expiry;
a worker that dies leaves them to expire and be claimed again. On
PostgreSQL the claim is UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED), for rows whose lease ran out and then for queued rows: concurrent
workers take disjoint rows without waiting. On SQLite it is the same
UPDATE ... RETURNING inside BEGIN IMMEDIATE.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import and_, select, update

from app.adapters.pg_outcomes import OutcomeWriter
from app.db import utcnow, write_transaction
from app.extensions import db
from app.outbox.kinds import loading, then_loading
from app.outbox.models import BULK_PRIORITY, CALLBACK_PRIORITY, OutboxEmail, OutboxStatus


class Band(Enum):
    """The ranges of priority a worker claims apart, each one range of the
    claim index: transactional email, alert mail, and calls to webhooks
    (so a slow endpoint never holds up a letter, nor alerts a confirmation)."""

    MAIL = (0, BULK_PRIORITY)
    ALERTS = (BULK_PRIORITY, CALLBACK_PRIORITY)
    CALLBACKS = (CALLBACK_PRIORITY, None)


@dataclass
class Claim:
    token: str
    ids: list[int] = field(default_factory=list)
    band: Band | None = None  # one band, or any
    outcomes: OutcomeWriter | None = None  # records the bulk path's outcomes while delivering
    site_failures: int = 0  # the relay refused the site this many times in this claim
    paused: dict[str, datetime] = field(default_factory=dict)  # domains: mail waits until

    def confirm_outcome(self) -> None:
        """Wait for the last outcome written, if any: before the next email's content."""
        if self.outcomes is not None:
            self.outcomes.confirm()


def _in_band(query, band: Band | None):
    if band is None:
        return query
    low, high = band.value
    query = query.where(OutboxEmail.priority >= low)
    return query if high is None else query.where(OutboxEmail.priority < high)


def due_queries(now, band: Band | None):
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
        _in_band(select(OutboxEmail.id).where(condition), band).order_by(
            OutboxEmail.priority, OutboxEmail.id
        )
        for condition in (expired, waiting)
    ]


def claim_due(limit: int, *, band: Band | None = None) -> Claim:
    """Lease up to `limit` due rows of `band` (None: any) to this worker: any
    whose lease ran out, then the queued, most urgent first."""
    claim = Claim(token=secrets.token_hex(8), band=band)
    now = utcnow()
    lease = timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
    with write_transaction() as session:
        for due in due_queries(now, band):
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


def load_rows(ids: list[int], *, band: Band | None = None) -> list[OutboxEmail]:
    """The claimed rows with everything their work needs, in a few queries:
    what each feature declared its emails need (app/outbox/kinds.py's
    `loading`). A claim of alert mail asks for less.
    """
    options = loading(None if band in (None, Band.CALLBACKS) else band is Band.ALERTS)
    # Anything this session loaded before is refreshed by the query below, so
    # no email is built from a letter's old state (cheaper than populate_existing,
    # which resets every row loaded, old or new).
    db.session.expire_all()
    rows = list(db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.id.in_(ids))
        .options(*options)
        .order_by(OutboxEmail.id)
    ).all())  # fmt: skip
    then_loading(rows)
    db.session.commit()  # end the read; each outcome is its own transaction
    return rows
