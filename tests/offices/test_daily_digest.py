"""An MP's office chooses a daily digest from a letter's footer: one email a
day with every letter once, the writers told, and a way back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.offices.digests import OFFICE, send_digests
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh

WRITERS = [("Jane Smith", "jane@example.com"), ("Sam Jones", "sam@example.com"),
           ("Kim Lee", "kim@example.com")]  # fmt: skip


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def office_link(mail) -> str:
    return re.search(r"http://localhost(/office/\S+)", mail.text).group(1)


def test_an_office_switches_to_one_email_a_day_and_back(site, mail_server):
    first = confirmed_letter()
    deliver()
    [letter_mail] = mail_server.to(MP_ADDRESS)
    link = office_link(letter_mail)
    client = site.test_client()
    assert "one by one" in client.get(link).get_data(as_text=True)  # looking changes nothing
    client.post(link, data={"daily": "yes"})
    assert "as one email a day" in client.get(link).get_data(as_text=True)
    audit = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (audit.action, audit.actor) == ("office.digest_on", OFFICE)

    letters = [confirmed_letter(name=name, email=email) for name, email in WRITERS[1:]]
    deliver()  # the worker's jobs gather the digest, then it goes
    [digest] = mail_server.to(MP_ADDRESS)[1:]  # one email for both: none one by one
    assert digest["Subject"] == "Publish MPs' expenses in full: 2 letters from constituents"
    assert digest["X-Campaign-Id"].startswith("mp-expenses@")
    for (name, email), letter in zip(WRITERS[1:], letters, strict=True):
        assert digest.text.count(f"From {name}") == 1  # every letter once
        assert f"Reply: mailto:{email.replace('@', '%40')}?subject=Re%3A%20" in digest.text
        assert fresh(letter).status == LetterStatus.SENT
    deliver()  # the writers' copies
    copy = next(m for m in mail_server.to("sam@example.com") if m["Subject"].startswith("Sent"))
    assert "in the daily digest" in copy.text
    assert "in the daily digest" not in next(
        m for m in mail_server.to("jane@example.com") if m["Subject"].startswith("Sent")).text  # fmt: skip

    assert send_digests() == 0  # nothing waits
    later = confirmed_letter(name="Ali Khan", email="ali@example.com")
    assert send_digests() == 0  # a day has not passed since the last
    deliver()
    assert fresh(later).status == LetterStatus.QUEUED  # it waits for tomorrow's
    assert send_digests(utcnow() + timedelta(hours=25)) == 1
    deliver()
    assert mail_server.to(MP_ADDRESS)[-1]["Subject"].endswith(": 1 letter from constituents")
    assert fresh(later).status == LetterStatus.SENT

    client.post(office_link(digest), data={"daily": "no"})  # the digest's own link
    back = confirmed_letter(name="Bo Ng", email="bo@example.com")
    deliver()
    assert mail_server.to(MP_ADDRESS)[-1]["Subject"] == fresh(back).subject
    assert fresh(first).status == LetterStatus.SENT


def test_a_forged_office_link_is_refused(site):
    assert site.test_client().get("/office/not-a-token").status_code == 404
    assert site.test_client().post("/office/not-a-token", data={"daily": "yes"}).status_code == 404


def test_a_refused_digest_fails_each_letter_in_it_and_tells_each_writer(site, mail_server):
    confirmed_letter()
    deliver()
    client = site.test_client()
    client.post(office_link(mail_server.to(MP_ADDRESS)[0]), data={"daily": "yes"})
    letters = [confirmed_letter(name=name, email=email) for name, email in WRITERS[1:]]
    mail_server.fail_next("550 5.1.1 No such user", stage="RCPT", address=MP_ADDRESS)
    deliver()  # the digest is gathered and refused; then the writers are told
    for (_, email), letter in zip(WRITERS[1:], letters, strict=True):
        letter = fresh(letter)
        assert letter.status == LetterStatus.FAILED
        assert letter.sent_at is None
        assert any(e.detail.startswith("the daily digest failed: ") for e in letter.events)
        assert any("could not deliver your letter" in m.text for m in mail_server.to(email))
