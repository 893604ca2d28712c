"""Parliament dissolved: letters wait, their writers are told, and after the
election a letter goes to the new MP only if its writer confirms again."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.parliament import dissolution
from app.reference.data_load import load_reference_data
from tests.builders.admins import signed_in_client
from tests.builders.alerts import an_admin
from tests.builders.letters import (
    MP_ADDRESS,
    NO_MODERATION,
    PERSONAL_BODY,
    confirmed_letter,
    submit,
)
from tests.builders.outbox import deliver, fresh
from tests.builders.reference_data import SEATS, write_dataset

NEW_MP = "zara.zed.mp@parliament.uk"
TODAY = utcnow().date()


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def told(mail_server, email="jane@example.com", subject="waits for the new Parliament"):
    return [m for m in mail_server.to(email) if subject in m["Subject"]]


def new_mps_loaded(tmp_path) -> None:
    seats = [dataclasses.replace(s, mp="Zara Zed", member_id="9100", email=NEW_MP)
             if s.gss == "E14001063" else s for s in SEATS]  # fmt: skip
    load_reference_data(write_dataset(tmp_path / "after-the-election", seats=seats))


def test_letters_confirmed_during_a_dissolution_wait_and_their_writers_are_told(site, mail_server):
    admin = an_admin()
    dissolution.dissolve(admin, TODAY, TODAY + timedelta(days=36))
    letter = confirmed_letter()
    assert fresh(letter).status == LetterStatus.WAITING
    deliver()
    deliver()
    assert mail_server.to(MP_ADDRESS) == []
    [notice] = told(mail_server)
    polling_day = (TODAY + timedelta(days=36)).strftime("%-d %B %Y")
    assert f"general election on {polling_day}" in notice.text


def test_a_letter_queued_when_parliament_is_dissolved_is_not_sent(site, mail_server):
    letter = confirmed_letter()  # queued, not yet delivered
    dissolution.dissolve(an_admin(), TODAY, TODAY + timedelta(days=36))
    deliver()
    deliver()
    assert fresh(letter).status == LetterStatus.WAITING
    assert mail_server.to(MP_ADDRESS) == []
    assert len(told(mail_server)) == 1


def test_a_dissolution_from_a_later_day_lets_letters_go_until_then(site, mail_server):
    dissolution.dissolve(an_admin(), TODAY + timedelta(days=3), TODAY + timedelta(days=40))
    letter = confirmed_letter()
    deliver()
    assert fresh(letter).status == LetterStatus.SENT
    assert len(mail_server.to(MP_ADDRESS)) == 1


def test_after_the_election_a_letter_goes_to_the_new_mp_only_if_reconfirmed(
    site, mail_server, tmp_path
):
    admin = an_admin()
    dissolution.dissolve(admin, TODAY, TODAY + timedelta(days=36))
    kept = confirmed_letter()
    ignored = confirmed_letter(email="sam@example.com", name="Sam Jones")
    withdrawn = confirmed_letter(email="kim@example.com", name="Kim Lee")
    deliver()
    new_mps_loaded(tmp_path)
    assert dissolution.end(admin) == 3
    deliver()
    client = site.test_client()

    def link_for(email):
        [mail] = told(mail_server, email, "Send your letter to your new MP?")
        return re.search(r"http://localhost(/new-mp/\S+)", mail.text).group(1)

    page = client.get(link_for("jane@example.com"))
    assert "Send it to Zara Zed" in page.get_data(as_text=True)
    deliver()
    assert mail_server.to(NEW_MP) == []  # opening the link sends nothing
    sent = client.post(link_for("jane@example.com"), data={"action": "send"})
    assert "on its way to Zara Zed" in sent.get_data(as_text=True)
    deliver()
    [to_new_mp] = mail_server.to(NEW_MP)
    assert to_new_mp["Reply-To"].addresses[0].addr_spec == "jane@example.com"
    assert fresh(kept).mp.name == "Zara Zed"

    client.post(link_for("kim@example.com"), data={"action": "withdraw"})
    assert fresh(withdrawn).status == LetterStatus.CANCELLED
    again = submit(email="kim@example.com", name="Kim Lee")  # free to write afresh
    assert again.status == LetterStatus.PENDING

    deliver()
    assert fresh(ignored).status == LetterStatus.WAITING  # never reconfirmed: never sent
    assert len(mail_server.to(NEW_MP)) == 1
    assert mail_server.to(MP_ADDRESS) == []
    assert client.post(link_for("jane@example.com"), data={"action": "send"}).status_code == 404


def test_the_admin_sets_and_ends_a_dissolution_and_both_are_audited(site):
    client = signed_in_client(site)
    bad = client.post("/admin/parliament", data={"dissolved_on": str(TODAY),
                                                 "election_on": str(TODAY)})  # fmt: skip
    assert bad.status_code == 422
    assert "Polling day must come after" in bad.get_data(as_text=True)
    client.post("/admin/parliament", data={"dissolved_on": str(TODAY),
                                           "election_on": str(TODAY + timedelta(days=36))})  # fmt: skip
    assert "Parliament is dissolved" in client.get("/admin/parliament").get_data(as_text=True)
    client.post("/admin/parliament/end")
    assert dissolution.planned() is None
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["parliament.dissolved", "parliament.ended"]


def test_a_letter_by_post_waits_too_and_is_posted_if_the_new_mp_has_no_email(
    site, mail_server, tmp_path
):
    admin = an_admin()
    dissolution.dissolve(admin, TODAY, TODAY + timedelta(days=36))
    letter = submit(postcode="G1 1AA", by_post=True,
                    body=PERSONAL_BODY.replace("Alice Able", "Dougal Ross"))  # fmt: skip
    confirm_letter(confirmation_token(letter))
    assert fresh(letter).status == LetterStatus.WAITING  # not told to post it to a former MP
    seats = [
        dataclasses.replace(s, mp="Morag Moss", member_id="9101") if s.gss == "S14000021" else s
        for s in SEATS
    ]  # fmt: skip  (a new MP, still with no email)
    load_reference_data(write_dataset(tmp_path / "after", seats=seats))
    dissolution.end(admin)
    dissolution.send_to_new_mp(letter.id)
    posted = fresh(letter)
    assert posted.status == LetterStatus.POSTED
    assert posted.mp.name == "Morag Moss"
    assert posted.by_post


def test_the_public_pages_say_there_are_no_mps_until_the_election(site):
    client = site.test_client()
    before = client.get("/c/mp-expenses/write?postcode=TE1+1AA").get_data(as_text=True)
    assert "Parliament is dissolved" not in before
    dissolution.dissolve(an_admin(), TODAY, TODAY + timedelta(days=35))
    election = (TODAY + timedelta(days=35)).strftime("%-d %B %Y")
    for url in ("/c/mp-expenses", "/c/mp-expenses/write?postcode=TE1+1AA"):
        html = client.get(url).get_data(as_text=True)
        assert f"dissolved for the general election on {election}" in html
        assert "until then there are no MPs" in html
        assert "after the election we email you to send it to your new MP" in html
    compose = client.get("/c/mp-expenses/write?postcode=TE1+1AA").get_data(as_text=True)
    assert "Your MP until Parliament was dissolved" in compose
