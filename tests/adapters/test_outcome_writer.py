"""The worker's outcomes on SQLite: run on the driver's own connection, each
statement compiled once, with SQLAlchemy's conversions and SQLAlchemy's
errors."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import freezegun
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.claims import claim_due
from app.outbox.models import EmailKind, OutboxStatus
from app.outbox.worker import deliver_claim
from tests.builders.letters import NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh, outbox_row

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def app(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, SQLITE_BUSY_TIMEOUT_SECONDS=0.2, **NO_MODERATION)
    with app.app_context():
        yield app


def test_an_outcome_is_stored_as_the_orm_stores_it(app, mail_server, backend):
    letter = confirmed_letter()
    on_the_second = utcnow().replace(microsecond=0) + timedelta(hours=1)  # no microseconds
    with freezegun.freeze_time(on_the_second):
        deliver()
    # SQLAlchemy's own text for a datetime, which the rest of the site
    # writes and compares against (sqlite3's own adapter drops ".000000").
    stored = db.session.execute(
        text("SELECT sent_at FROM message WHERE id = :id"), {"id": letter.id}
    ).scalar()
    assert stored == f"{on_the_second:%Y-%m-%d %H:%M:%S}.000000"
    row, letter = outbox_row(letter), fresh(letter)
    assert (row.status, letter.status) == (OutboxStatus.SENT, LetterStatus.SENT)
    # A datetime written on the driver's connection reads back as one, and
    # the letter's stamp is the outcome's own.
    assert isinstance(row.sent_at, datetime)
    assert isinstance(letter.sent_at, datetime)
    assert abs((letter.sent_at - row.sent_at).total_seconds()) < 1
    assert "accepted by the MP's mail server" in [e.detail for e in letter.events]
    assert outbox_row(letter, EmailKind.CONSTITUENT_COPY).status == OutboxStatus.SENT


def test_a_locked_database_fails_the_pass_with_sqlalchemys_error_and_loses_nothing(
    app, mail_server, backend
):
    letter = confirmed_letter()
    claim = claim_due(10)
    db.session.remove()
    # Another process holds SQLite's write lock for longer than the worker waits.
    blocker = sqlite3.connect(db.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            deliver_claim(claim)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    db.session.remove()
    letter = db.session.get(Letter, letter.id)
    # Leased still, as after a crash: claimed again when its lease runs out.
    assert (outbox_row(letter).status, fresh(letter).status) == (
        OutboxStatus.SENDING, LetterStatus.QUEUED,
    )  # fmt: skip
    # And the worker carries on: nothing of the failed write holds the database.
    later = confirmed_letter(email="later@example.com")
    deliver()
    assert fresh(later).status == LetterStatus.SENT
