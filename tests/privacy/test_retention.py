"""The retention schedule, with a frozen clock: the purge erases exactly what
is due, keeps the counts, and one letter per person per campaign still holds."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterEvent, LetterShingle, LetterStatus
from app.letters.submission import expire_unconfirmed
from app.privacy.retention import due, purge
from app.reports import stats
from tests.builders.letters import LETTER, NO_MODERATION, confirmed_letter, submit
from tests.builders.outbox import deliver, fresh

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def personal(letter: Letter) -> tuple:
    return (letter.sender_name, letter.sender_email, letter.address1, letter.town,
            letter.postcode, letter.subject, letter.body, letter.ip_hash)  # fmt: skip


def test_the_purge_erases_exactly_what_is_due_and_keeps_the_counts(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    start = utcnow()
    with app.app_context(), freeze_time(start) as clock:
        delivered = confirmed_letter(email="old@example.com", key="old")
        never = submit(email="never@example.com", key="never")
        deliver()
        assert fresh(delivered).status == LetterStatus.SENT
        clock.tick(timedelta(days=8))
        expire_unconfirmed()
        # Day 8: the expired letter is due; the one delivered 8 days ago is not.
        assert due().letters == 1
        recent = confirmed_letter(email="recent@example.com", key="recent")
        deliver()  # the worker's daily job erases what is due
        assert personal(fresh(never)) == ("",) * 8
        assert fresh(delivered).sender_name == "Jane Smith"
        assert due().letters == 0
        # Day 30: the letter delivered on day 0 is due (28 days), the recent one not.
        clock.tick(timedelta(days=22))
        counts = purge()
        assert counts.letters == 1
        assert personal(fresh(delivered)) == ("",) * 8
        assert fresh(delivered).erased_at is not None
        assert fresh(recent).sender_email == "recent@example.com"


def test_erasure_keeps_counts_events_and_the_one_letter_rule(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    start = utcnow()
    with app.app_context(), freeze_time(start) as clock:
        letter = confirmed_letter(email="writer@example.com", key="w")
        deliver()
        assert fresh(letter).status == LetterStatus.SENT
        events = db.session.scalar(select(func.count()).select_from(LetterEvent))
        shingles = db.session.scalar(select(func.count()).select_from(LetterShingle))
        totals = stats.totals(None)
        clock.tick(timedelta(days=29))
        assert purge().letters == 1
        assert stats.totals(None) == totals  # every count as it was
        assert db.session.scalar(select(func.count()).select_from(LetterEvent)) == events
        assert db.session.scalar(select(func.count()).select_from(LetterShingle)) < max(shingles, 1)
        # The same person writes again in the same campaign: answered as usual, nothing stored.
        client = app.test_client()
        ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
        again = client.post(
            SUBMIT, json={**LETTER, "email": "Writer@Example.com", "form_ticket": ticket}
        )
        assert again.status_code == 202
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 1
        # Someone else still can.
        ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
        other = client.post(
            SUBMIT, json={**LETTER, "email": "other@example.com", "form_ticket": ticket}
        )
        assert other.status_code == 202
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 2


def test_ip_hashes_are_dropped_after_thirty_days(app):
    start = utcnow()
    with freeze_time(start) as clock:
        letter = submit(email="w@example.com", key="w")
        db.session.execute(Letter.__table__.update().values(ip_hash="abc123"))
        db.session.commit()
        clock.tick(timedelta(days=29))
        assert purge().ip_hashes == 0
        clock.tick(timedelta(days=2))
        assert purge().ip_hashes == 1
        assert fresh(letter).ip_hash == ""


def test_the_admin_sees_counts_only(app, admin_client, viewer_client):
    submit(email="secret@example.com", key="s")
    for client in (admin_client, viewer_client):
        html = client.get("/admin/privacy").get_data(as_text=True)
        assert "Letters erased so far: 0" in html
        assert "secret@example.com" not in html


def test_former_subscribers_are_erased_after_thirty_days(app):
    from app.alerts import subscribers as subscriber_service
    from app.alerts.models import Subscriber, SubscriberStatus
    from tests.builders.alerts import subscriber

    start = utcnow()
    with freeze_time(start) as clock:
        stays = subscriber("stays@example.com", postcode="CF1 1AA")
        leaves = subscriber("leaves@example.com", postcode="CF1 1AA")
        bounced = subscriber("bounced@example.com")
        leaves.status, leaves.unsubscribed_at = SubscriberStatus.UNSUBSCRIBED, utcnow()
        db.session.commit()
        subscriber_service.suppress("bounced@example.com", "bounced: 550")
        clock.tick(timedelta(days=29))
        assert due().subscribers == 0
        clock.tick(timedelta(days=2))
        assert due().subscribers == 2
        assert purge().subscribers == 2
        for left in (leaves, bounced):
            db.session.refresh(left)
            assert left.email.startswith("erased:")
            assert left.postcode is None
        db.session.refresh(stays)
        assert stays.email == "stays@example.com"
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 3  # counts kept
