"""Nothing personal outlives its period, in the states that used to be
forgotten: a data requester's address on its email, a sign-up nobody
confirmed, a letter held or kept through a dissolution that nobody moved on,
and the address on emails to someone who asked to be deleted. The clock is
moved by giving the purge its `now`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.alerts.models import Subscriber
from app.alerts.subscribers import record_consent
from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.privacy.requests import erase, request_link
from app.privacy.retention import purge
from tests.builders.letters import NO_MODERATION, confirmed_letter


@pytest.fixture
def site(make_app):
    app = make_app(**NO_MODERATION)
    with app.app_context():
        yield app


def days(app, setting: str, more: float = 1) -> timedelta:
    return timedelta(days=app.config[setting] + more)


def addresses_on_outbox() -> list[str | None]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail.to_address)))


def test_a_data_requesters_address_goes_with_the_period(site):
    request_link("asker@example.com")
    row = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.kind == EmailKind.DATA_LINK)
    ).one()
    row.status = OutboxStatus.SENT
    db.session.commit()
    purge(utcnow() + days(site, "RETENTION_SUBSCRIBER_DAYS", -1))
    assert addresses_on_outbox() == ["asker@example.com"]  # not yet
    purge(utcnow() + days(site, "RETENTION_SUBSCRIBER_DAYS"))
    assert addresses_on_outbox() == [None]


def test_deleting_my_data_takes_my_address_off_the_emails_sent(site):
    request_link("leaver@example.com")
    db.session.scalars(select(OutboxEmail)).one().status = OutboxStatus.SENT
    db.session.commit()
    erase("leaver@example.com")
    assert addresses_on_outbox() == [None]


def test_a_sign_up_never_confirmed_goes_when_its_link_expires(site):
    record_consent("maybe-not-mine@example.com", source="site", postcode="TE1 1AA")
    purge(utcnow() + days(site, "CONFIRM_LINK_DAYS", -1))
    assert db.session.scalar(select(Subscriber.postcode)) == "TE1 1AA"
    purge(utcnow() + days(site, "CONFIRM_LINK_DAYS"))
    db.session.expire_all()
    left = db.session.scalars(select(Subscriber)).one()
    assert "maybe-not-mine" not in left.email
    assert (left.postcode, left.constituency_id) == (None, None)


@pytest.mark.parametrize("state", [LetterStatus.HELD, LetterStatus.WAITING])
def test_a_letter_nobody_moved_on_is_cancelled_and_erased(site, state):
    letter = confirmed_letter()
    db.session.get(Letter, letter.id).move_to(state, detail="for the test")
    db.session.commit()
    purge(utcnow() + days(site, "RETENTION_HELD_DAYS", -1))
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).body  # not yet
    purge(utcnow() + days(site, "RETENTION_HELD_DAYS"))
    db.session.expire_all()
    gone = db.session.get(Letter, letter.id)
    assert gone.status == LetterStatus.CANCELLED  # it can never go, blank, later
    assert (gone.sender_email, gone.sender_name, gone.body, gone.postcode) == ("", "", "", "")


def test_a_letter_kept_through_a_dissolution_is_cancelled_when_its_writer_is_deleted(site):
    letter = confirmed_letter(email="waiting@example.com")
    db.session.get(Letter, letter.id).move_to(LetterStatus.WAITING, detail="dissolved")
    db.session.commit()
    erase("waiting@example.com")
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).status == LetterStatus.CANCELLED
