"""A receiving server that refuses the site itself (a blocklist, reputation,
a failed DMARC check), at sending or in a bounce report: booked on nobody,
and mail to that domain waits, longer at each refusal in a row, until the
pause ends or an admin ends it."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.alerts.models import Subscriber, SubscriberStatus
from app.bounces.intake import read_once
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.outbox.models import DomainPause, EmailKind, OutboxStatus
from app.outbox.pauses import STEPS
from tests.bounces.builders import BOUNCE_DOMAIN, site_fault_dsn
from tests.builders.admins import signed_in_client
from tests.builders.alerts import alert_sending_to, an_admin
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh, outbox_row

BLOCKED = "550 5.7.1 Service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org"
MP_DOMAIN = MP_ADDRESS.rpartition("@")[2]


def paused() -> dict[str, DomainPause]:
    db.session.commit()  # a fresh read (SQLite keeps a read transaction's snapshot)
    return {row.domain: row for row in db.session.scalars(select(DomainPause))}


def to_mp(mail_server) -> list:
    return [m for m in mail_server.messages if MP_ADDRESS in m["To"]]


def test_a_block_at_sending_pauses_the_domain_and_books_nothing(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context(), freeze_time(utcnow()) as clock:
        first = confirmed_letter(email="first@example.com", key="a")
        mail_server.fail_next(BLOCKED, stage="RCPT", address=MP_ADDRESS)
        deliver()
        assert fresh(first).status == LetterStatus.QUEUED  # not failed: nobody's fault
        assert outbox_row(first, EmailKind.DELIVERY_FAILED) is None
        pause = paused()[MP_DOMAIN]
        assert pause.until == utcnow() + STEPS[0]
        assert "spamhaus" in pause.reason
        # Another letter to that domain meanwhile waits, without an attempt.
        second = confirmed_letter(email="second@example.com", key="b")
        clock.tick(timedelta(minutes=30))
        deliver()
        assert to_mp(mail_server) == []
        row = outbox_row(second)
        assert (row.status, row.attempts, row.not_before) == (OutboxStatus.QUEUED, 0, pause.until)
        # The pause ends: both letters go, once each.
        clock.tick(timedelta(hours=6))
        deliver()
        assert len(to_mp(mail_server)) == 2
        assert fresh(first).status == fresh(second).status == LetterStatus.SENT


def test_refusals_in_a_row_pause_longer(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context(), freeze_time(utcnow()) as clock:
        letter = confirmed_letter()
        for step in STEPS[:3]:
            mail_server.fail_next(BLOCKED, stage="RCPT", address=MP_ADDRESS)
            deliver()
            assert paused()[MP_DOMAIN].until == utcnow() + step
            clock.tick(step + timedelta(minutes=1))  # the next round's send is the retry
        assert fresh(letter).status == LetterStatus.QUEUED


def test_a_block_on_an_alert_suppresses_nobody(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        alert_sending_to(an_admin(), ["reader@blocked.example"])
        mail_server.fail_next(BLOCKED, stage="RCPT", address="reader@blocked.example")
        deliver()
        deliver()
        status = db.session.scalar(select(Subscriber.status))
        assert status == SubscriberStatus.CONFIRMED
        assert "blocked.example" in paused()


def test_a_recipients_refusal_at_sending_still_fails_the_letter(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        letter = confirmed_letter()
        mail_server.fail_next("550 5.1.1 <x@y>: Recipient address rejected: User unknown",
                              stage="RCPT", address=MP_ADDRESS)  # fmt: skip
        deliver()
        assert fresh(letter).status == LetterStatus.FAILED
        assert paused() == {}


def test_a_site_fault_in_a_bounce_report_pauses_the_domain(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN, **NO_MODERATION)
    with app.app_context():
        letter = confirmed_letter()
        deliver()
        read_once(site_fault_dsn(outbox_row(letter).id, MP_ADDRESS))
        assert MP_DOMAIN in paused()


def test_an_admin_sees_the_pause_and_can_end_it(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        client = signed_in_client(app)
        confirmed_letter()
        mail_server.fail_next(BLOCKED, stage="RCPT", address=MP_ADDRESS)
        deliver()
        html = client.get("/admin/").get_data(as_text=True)
        assert f"Mail to {MP_DOMAIN} waits until" in html
        assert "spamhaus" in html
        page = client.post(f"/admin/mail/paused/{MP_DOMAIN}/resume", follow_redirects=True)
        assert f"Mail to {MP_DOMAIN} goes again now." in page.get_data(as_text=True)
        assert paused()[MP_DOMAIN].until <= utcnow()
        audit = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (audit.action, audit.target_id) == ("mail.pause_ended", MP_DOMAIN)
        deliver()  # what waited for the pause goes now, not at its old end
        assert len(to_mp(mail_server)) == 1
