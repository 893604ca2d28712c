"""The worker stays up through database faults and poisoned rows, and a site
problem is never booked against a person (issue: keep delivering through faults).

Each worker here is the real `flask --app wsgi worker` process; PostgreSQL's
connections are cut with pg_terminate_backend (only the worker's own, named by
application_name), and SQLite's file is locked by another connection for
longer than the worker's busy timeout.
"""

from __future__ import annotations

import secrets
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, select, text, update

from app.alerts.models import Subscriber, SubscriberStatus
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import EmailKind, OutboxStatus
from tests.builders.alerts import alert_sending_to, an_admin
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter, submit
from tests.builders.outbox import deliver, fresh, outbox_row
from tests.builders.processes import worker_env
from tests.builders.settings import ROOT

QUICK_RECOVERY = {
    "WORKER_IDLE_SECONDS": 0.05,
    "WORKER_ERROR_PAUSE_SECONDS": 0.1,
    "WORKER_ERROR_PAUSE_MAX_SECONDS": 0.5,
}


def start_worker(app, mail_port: int, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=worker_env(app, mail_port, **QUICK_RECOVERY, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    return output


def letters(app, first: int, count: int) -> None:
    with app.app_context():
        for n in range(first, first + count):
            submit(email=f"writer{n}@example.com", key=f"k{n}")
        db.session.remove()


def each_once(mail_server, expected: int) -> None:
    ids = [m["Message-ID"] for m in mail_server.messages]
    assert len(ids) == expected, ids
    assert len(set(ids)) == expected


def test_a_worker_whose_postgresql_connections_are_killed_carries_on(
    make_app, mail_server, backend
):
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    name = f"faults-worker-{secrets.token_hex(4)}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    worker_url = f"{url}{'&' if '?' in url else '?'}application_name={name}"
    letters(app, 0, 4)
    worker = start_worker(app, mail_server.port, DATABASE_URL=worker_url)
    killer = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        mail_server.wait_for(4, timeout=30)
        killed = 0
        for _ in range(10):  # over a second, while the worker polls
            with killer.connect() as conn:
                killed += conn.scalar(
                    text(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                        "pg_stat_activity WHERE application_name = :name) AS cut"
                    ),
                    {"name": name},
                )
            time.sleep(0.1)
        assert killed >= 1, "the worker held no connection to cut"
        letters(app, 4, 4)  # written after the cuts: their confirmations must still go
        mail_server.wait_for(8, timeout=30)
        assert worker.poll() is None, "the worker exited"
    finally:
        output = stop(worker)
        killer.dispose()
    assert "worker pass failed" in output  # the cuts really hit it
    each_once(mail_server, 8)


def test_a_worker_locked_out_of_sqlite_carries_on(make_app, mail_server, backend):
    if backend != "sqlite":
        pytest.skip("a file lock is SQLite's")
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    letters(app, 0, 3)
    worker = start_worker(app, mail_server.port, SQLITE_BUSY_TIMEOUT_SECONDS=0.2)
    try:
        mail_server.wait_for(3, timeout=30)
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        time.sleep(1.5)  # seven busy timeouts: every pass in the meantime fails
        lock.execute("ROLLBACK")
        lock.close()
        letters(app, 3, 3)
        mail_server.wait_for(6, timeout=30)
        assert worker.poll() is None, "the worker exited"
    finally:
        output = stop(worker)
    assert "worker pass failed" in output
    each_once(mail_server, 6)


@pytest.mark.parametrize("character", ["\x0b", "\x85", "\u2028", "\u202e"])
def test_a_poisoned_letter_fails_alone_and_is_booked_against_nobody(
    make_app, mail_server, character
):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        poisoned_letter_fails_alone(mail_server, character)


def poisoned_letter_fails_alone(mail_server, character):
    poisoned = confirmed_letter(email="poisoned@example.com", key="poison")
    healthy = confirmed_letter(email="healthy@example.com", key="healthy")
    db.session.execute(
        update(Letter).where(Letter.id == poisoned.id).values(sender_name=f"Jane{character}Smith")
    )
    db.session.commit()
    deliver()  # the worker survives it: deliver() would raise if it did not
    assert fresh(healthy).status == LetterStatus.SENT
    assert fresh(poisoned).status == LetterStatus.QUEUED  # not failed: not their doing
    row = outbox_row(poisoned)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error.startswith("not built: ")
    assert any("could not be built" in e.detail for e in poisoned.events)
    assert outbox_row(poisoned, EmailKind.DELIVERY_FAILED) is None  # nobody told it failed
    [to_mp] = mail_server.to(MP_ADDRESS)
    assert "healthy@example.com" in to_mp["Reply-To"]


def test_a_poisoned_alert_suppresses_nobody_and_the_queue_moves_on(mailed_app, mail_server):
    admin = an_admin()
    alert = alert_sending_to(admin, ["one@example.com", "two@example.com"])
    alert.campaign.title = "Publish\x0bMPs' expenses"  # pasted from a word processor
    db.session.commit()
    letter = submit(email="writer@example.com", key="w")
    deliver()
    assert mail_server.to("writer@example.com")  # the confirmation still went
    assert mail_server.to("one@example.com") == []
    statuses = db.session.scalars(select(Subscriber.status)).all()
    assert statuses == [SubscriberStatus.CONFIRMED, SubscriberStatus.CONFIRMED]
    assert fresh(letter).status == LetterStatus.PENDING
