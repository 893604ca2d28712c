"""A daily digest is built when it goes, and again on each retry: a letter
cancelled, erased or put to wait since it was gathered is not in it, an
empty digest is not sent, and a letter it no longer carries can still go."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.letters import back_office
from app.letters.models import LetterStatus
from app.offices.digests import send_digests, switch
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.parliament import dissolution
from app.privacy.requests import erase
from tests.builders.alerts import an_admin
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh

WRITERS = [("Ann Cancelled", "ann@example.com", "I was cancelled by an admin."),
           ("Bea Erased", "bea@example.com", "I asked for my data to be deleted."),
           ("Cal Kept", "cal@example.com", "I should reach the office in the digest.")]  # fmt: skip


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def gathered():
    """Three letters to one office that takes a daily digest, gathered into one."""
    letters = [
        confirmed_letter(name=name, email=email, body=f"Dear MP,\n\n{words}\n\nYours,\n{name}")
        for name, email, words in WRITERS
    ]
    switch(letters[0].mp_id, letters[0].campaign_id, daily=True)
    assert send_digests() == 1
    [row] = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == EmailKind.DIGEST))
    return letters, row


def due_now(row) -> None:
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == row.id).values(not_before=utcnow())
    )
    db.session.commit()


def test_a_digest_held_by_the_relay_goes_later_as_things_then_are(site, mail_server):
    letters, row = gathered()
    mail_server.fail_next("451 4.7.1 Greylisted, try again later", address=MP_ADDRESS, stage="RCPT")
    deliver()
    assert fresh(row).status == OutboxStatus.QUEUED  # held by the relay, to be tried again
    back_office.cancel(an_admin(), letters[0].id)  # meanwhile an admin cancels one
    erase("bea@example.com")  # and a writer asks for their data to be deleted
    due_now(row)
    deliver()
    [digest] = [m for m in mail_server.to(MP_ADDRESS) if "letter" in m["Subject"]]
    assert digest["Subject"].endswith(": 1 letter from constituents")
    assert "I should reach the office" in digest.text
    assert "cancelled by an admin" not in digest.text
    assert "deleted" not in digest.text
    assert "From  /" not in digest.text  # no blank entry
    assert "From ," not in digest.text
    assert fresh(letters[2]).status == LetterStatus.SENT
    assert fresh(letters[0]).status == LetterStatus.CANCELLED


def test_a_dissolution_after_gathering_stops_the_digest_and_the_letters_wait(site, mail_server):
    letters, row = gathered()
    mail_server.fail_next("451 4.7.1 Greylisted, try again later", address=MP_ADDRESS, stage="RCPT")
    deliver()
    admin = an_admin()
    dissolution.dissolve(admin, date.today(), date.today() + timedelta(days=30))
    due_now(row)
    deliver()
    assert not [m for m in mail_server.to(MP_ADDRESS) if "letter" in m["Subject"]]
    for letter in letters:
        assert fresh(letter).status == LetterStatus.WAITING
        assert fresh(letter).digest_outbox_id is None  # free to go again when reconfirmed

    dissolution.end(admin)
    dissolution.send_to_new_mp(letters[2].id)
    assert fresh(letters[2]).status == LetterStatus.QUEUED
    assert send_digests(utcnow() + timedelta(days=2)) == 1  # gathered into a new digest
    deliver()
    assert fresh(letters[2]).status == LetterStatus.SENT  # not left queued for ever
