"""A relay that refuses the site itself is the site's problem: nobody is
suppressed, no letter fails, the dashboard says so, and every email goes out
once when the relay accepts again. The worker's health is on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.alerts.models import Subscriber, SubscriberStatus
from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus, WorkerHeartbeat
from tests.builders.admins import signed_in_client
from tests.builders.alerts import alert_sending_to, an_admin
from tests.builders.letters import MP_ADDRESS, confirmed_letter, submit
from tests.builders.outbox import deliver, fresh, outbox_row

REFUSED = "550 5.7.1 Sender address rejected: not permitted to relay"


def make_due_now():
    """Bring the retried mail forward: the test does not wait out the back-off."""
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.QUEUED)
        .values(not_before=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_relay_refusing_the_sites_sender_books_nothing_against_anyone(mailed_app, mail_server):
    admin_client = signed_in_client(mailed_app)
    letter = confirmed_letter()
    admin = an_admin()
    alert_sending_to(admin, ["one@example.com", "two@example.com"])
    mail_server.fail_next(REFUSED, times=50, stage="MAIL")
    deliver()
    # Nothing went out, and nothing is anyone's fault.
    assert list(mail_server.messages) == []
    assert fresh(letter).status == LetterStatus.QUEUED
    assert outbox_row(letter, EmailKind.DELIVERY_FAILED) is None
    statuses = db.session.scalars(select(Subscriber.status)).all()
    assert statuses == [SubscriberStatus.CONFIRMED, SubscriberStatus.CONFIRMED]
    failed = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.FAILED)
    ).all()
    assert failed == []
    # The dashboard shows why, in red.
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "the mail relay refuses the site" in html
    assert "Sender address rejected" in html
    # The admins were told once (the email waits for the relay like the rest).
    told = db.session.scalars(
        select(OutboxEmail.to_address).where(OutboxEmail.kind == EmailKind.SITE_PROBLEM)
    ).all()
    assert sorted(told) == ["ada@example.org", "ops@example.org"]  # one each
    # The relay accepts again: every email goes out, once.
    mail_server.accept_all()
    make_due_now()
    deliver()
    make_due_now()
    deliver()
    assert fresh(letter).status == LetterStatus.SENT
    assert len(mail_server.to(MP_ADDRESS)) == 1
    assert len(mail_server.to("one@example.com")) == 1
    assert len(mail_server.to("two@example.com")) == 1
    for admin_address in ("ada@example.org", "ops@example.org"):
        [warning] = mail_server.to(admin_address)
        assert "Sender address rejected" in warning.text
    ids = [m["Message-ID"] for m in mail_server.messages]
    assert len(ids) == len(set(ids))
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "the mail relay refuses the site" not in html


def test_a_refused_recipient_still_counts_against_the_recipient(mailed_app, mail_server):
    letter = confirmed_letter()
    mail_server.fail_next("550 5.1.1 No such user", stage="RCPT", address=MP_ADDRESS)
    deliver()
    assert fresh(letter).status == LetterStatus.FAILED


def test_the_dashboard_warns_when_mail_waits_and_no_worker_is_seen(mailed_app):
    admin_client = signed_in_client(mailed_app)
    submit()  # a confirmation waits; no worker has ever run
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "No worker is sending mail" in html
    assert "no worker has ever been seen" in html
    deliver()  # a worker runs: its heartbeat is recorded, and the queue is empty
    db.session.commit()  # (a new read: SQLite keeps a transaction's snapshot)
    [worker] = db.session.scalars(select(WorkerHeartbeat)).all()
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "No worker is sending mail" not in html
    assert worker.id in html
    # Mail waits again and the worker was last seen three minutes ago.
    db.session.execute(update(WorkerHeartbeat).values(last_seen=utcnow() - timedelta(minutes=3)))
    db.session.commit()
    submit(email="second@example.com", key="second")
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "No worker is sending mail" in html
    assert "the oldest for 0 min" in html


def test_a_relay_that_relays_for_nobody_is_a_site_problem(mailed_app, mail_server):
    letter = confirmed_letter()
    mail_server.fail_next(
        "554 5.7.1 <alice.able.mp@parliament.uk>: Relay access denied", stage="RCPT", times=5
    )
    deliver()
    assert fresh(letter).status == LetterStatus.QUEUED  # not the MP's address's fault
    assert outbox_row(letter).status == OutboxStatus.QUEUED  # waits, to be tried again


def test_the_dashboard_shows_emails_the_site_could_not_build(mailed_app, mail_server):
    admin_client = signed_in_client(mailed_app)
    letter = confirmed_letter()
    db.session.execute(
        update(Letter).where(Letter.id == letter.id).values(sender_name="Jane\x0bSmith")
    )
    db.session.commit()
    assert "could not be built" not in admin_client.get("/admin/").get_data(as_text=True)
    deliver()
    db.session.commit()  # (the test client shares this session: end its SQLite snapshot)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "could not be built this week" in html
    assert "unsafe or unusable address in a header" in html
