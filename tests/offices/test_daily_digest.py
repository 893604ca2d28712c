"""An MP's office chooses a daily digest from a letter's footer: one email a
day with every letter once, the writers told, and a way back."""

from __future__ import annotations

from datetime import timedelta

import freezegun
import pytest
from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.offices.digests import OFFICE, send_digests
from tests.builders import offices as builders
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh

WRITERS = [("Jane Smith", "jane@example.com"), ("Sam Jones", "sam@example.com"),
           ("Kim Lee", "kim@example.com")]  # fmt: skip


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def switch_from_the_inbox(client, link: str, mail_server, *, daily: str) -> str:
    change, _ = builders.switch_from_the_inbox(
        client, link, mail_server, office=MP_ADDRESS, daily=daily
    )
    return change


def test_an_office_switches_to_one_email_a_day_and_back(site, mail_server):
    first = confirmed_letter()
    deliver()
    [letter_mail] = mail_server.to(MP_ADDRESS)
    link = builders.office_link(letter_mail)
    client = site.test_client()
    assert "one by one" in client.get(link).get_data(as_text=True)  # looking changes nothing
    change = switch_from_the_inbox(client, link, mail_server, daily="yes")
    assert "as one email a day" in client.get(change).get_data(as_text=True)
    audit = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (audit.action, audit.actor) == ("office.digest_on", OFFICE)
    assert "each letter -> one email a day" in audit.detail  # what changed

    letters = [confirmed_letter(name=name, email=email) for name, email in WRITERS[1:]]
    deliver()  # the worker's jobs gather the digest, then it goes
    [digest] = [  # one email for both: none one by one
        m for m in mail_server.to(MP_ADDRESS)[1:] if "how your office" not in m["Subject"]
    ]
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

    switch_from_the_inbox(
        client, builders.office_link(digest), mail_server, daily="no"
    )  # the digest's
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
    switch_from_the_inbox(client, builders.office_link(mail_server.to(MP_ADDRESS)[0]), mail_server,
                          daily="yes")  # fmt: skip
    letters = [confirmed_letter(name=name, email=email) for name, email in WRITERS[1:]]
    mail_server.fail_next("550 5.1.1 No such user", stage="RCPT", address=MP_ADDRESS)
    deliver()  # the digest is gathered and refused; then the writers are told
    for (_, email), letter in zip(WRITERS[1:], letters, strict=True):
        letter = fresh(letter)
        assert letter.status == LetterStatus.FAILED
        assert letter.sent_at is None
        assert any(e.detail.startswith("the daily digest failed: ") for e in letter.events)
        assert any("could not deliver your letter" in m.text for m in mail_server.to(email))


def test_a_letters_link_changes_nothing_without_the_offices_inbox(site, mail_server):
    """A constituent the office replied to, quoting the letter, holds its link:
    pressing its button only emails the office's own address."""
    confirmed_letter()
    deliver()
    [letter_mail] = mail_server.to(MP_ADDRESS)
    link = builders.office_link(letter_mail)
    client = site.test_client()
    for _ in range(5):
        assert client.post(link, data={"daily": "yes"}).status_code == 200
    deliver()
    asked = [m for m in mail_server.to(MP_ADDRESS) if "how your office" in m["Subject"]]
    assert len(asked) == 3  # at most OFFICE_LINKS_A_DAY, to the office's address only
    assert "as one email a day" not in client.get(link).get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("office.%"))) is None


def test_each_letter_has_its_own_link_and_links_expire(site, mail_server):
    from app.offices.digests import OFFICE_LINK_DAYS, office_for, office_token

    one, two = confirmed_letter(), confirmed_letter(email="sam@example.com")
    assert office_token(one.mp_id, one.campaign_id, one.id) != office_token(
        two.mp_id, two.campaign_id, two.id
    )
    token = office_token(one.mp_id, one.campaign_id, one.id)
    assert office_for(token) == (one.mp_id, one.campaign_id, one.id)
    with freezegun.freeze_time(utcnow() + timedelta(days=OFFICE_LINK_DAYS + 1)):
        assert office_for(token) is None
        assert site.test_client().get(f"/office/{token}").status_code == 404


def test_switched_back_the_letters_that_waited_for_the_next_digest_go_on_their_own(
    site, mail_server
):
    confirmed_letter()
    deliver()
    client = site.test_client()
    switch_from_the_inbox(client, builders.office_link(mail_server.to(MP_ADDRESS)[0]), mail_server,
                          daily="yes")  # fmt: skip
    gathered = confirmed_letter(name="Sam Jones", email="sam@example.com")
    deliver()  # today's digest, with it
    assert fresh(gathered).status == LetterStatus.SENT
    waiting = confirmed_letter(name="Kim Lee", email="kim@example.com")
    deliver()
    assert fresh(waiting).status == LetterStatus.QUEUED  # for tomorrow's digest
    digest = mail_server.to(MP_ADDRESS)[-1]
    switch_from_the_inbox(client, builders.office_link(digest), mail_server, daily="no")
    deliver()
    assert fresh(waiting).status == LetterStatus.SENT
    assert mail_server.to(MP_ADDRESS)[-1]["Subject"] == fresh(waiting).subject
    assert send_digests(utcnow() + timedelta(hours=25)) == 0
