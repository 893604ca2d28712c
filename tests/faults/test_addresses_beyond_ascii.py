"""Every address the forms accept is deliverable, or refused at the form: an
internationalised domain goes out in its ASCII (IDNA) form, so the MP's
Reply-To parses cleanly and reaches the constituent; a name before the @
beyond ASCII needs SMTPUTF8, refused unless the relay offers it."""

from __future__ import annotations

import email
from email import policy

import pytest
from sqlalchemy import select

from app.extensions import db
from app.letters.models import Letter
from app.letters.submission import confirm_letter, confirmation_token
from app.outbox.models import OutboxEmail, OutboxStatus
from app.web.abuse import issue_form_ticket
from devtools.mailcatcher import MailCatcher
from tests.builders.letters import LETTER, MP_ADDRESS
from tests.builders.mail import ALLOWED_SMTP_PORTS
from tests.builders.outbox import deliver

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"
WRITE = "/c/mp-expenses/write"
IDN = "jane@exämple.com"
IDN_ASCII = "jane@xn--exmple-cua.com"


def api_ticket(client) -> str:
    return client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]


def test_an_internationalised_domain_reaches_the_constituent(mailed_app, mail_server):
    client = mailed_app.test_client()
    response = client.post(SUBMIT, json={**LETTER, "email": IDN, "form_ticket": api_ticket(client)})
    assert response.status_code == 202
    letter = db.session.scalar(select(Letter))
    assert (letter.sender_email, letter.sender_email_key) == (IDN_ASCII, IDN_ASCII)
    deliver()
    [confirmation] = mail_server.to(IDN_ASCII)
    assert confirmation.rcpt_tos == [IDN_ASCII]
    confirm_letter(confirmation_token(letter))
    deliver()
    [to_mp] = mail_server.to(MP_ADDRESS)
    strict = email.message_from_bytes(to_mp.data, policy=policy.strict)  # raises on any defect
    [reply_to] = strict["Reply-To"].addresses
    assert reply_to.addr_spec == IDN_ASCII


def test_a_name_beyond_ascii_is_refused_at_the_form_when_the_relay_cannot_carry_it(client):
    api = client.post(
        SUBMIT, json={**LETTER, "email": "zoë@example.com", "form_ticket": api_ticket(client)}
    )
    assert api.status_code == 400
    assert "accents" in api.get_json()["error"]["fields"]["email"]
    form = {**LETTER, "email": "zoë@example.com", "website": "", "action": "send",
            "form_ticket": issue_form_ticket()}  # fmt: skip
    site = client.post(WRITE, data=form)
    assert site.status_code == 422
    assert "accents or other special letters" in site.get_data(as_text=True)
    assert db.session.scalar(select(Letter)) is None


@pytest.fixture
def smtputf8_relay():
    with MailCatcher(smtputf8=True) as relay:
        ALLOWED_SMTP_PORTS.add(relay.port)
        yield relay
        ALLOWED_SMTP_PORTS.discard(relay.port)


def test_a_name_beyond_ascii_goes_out_with_smtputf8_when_allowed(make_app, smtputf8_relay):
    app = make_app(MAIL_PORT=smtputf8_relay.port, ALLOW_SMTPUTF8_ADDRESSES=True)
    with app.app_context():
        client = app.test_client()
        body = {**LETTER, "email": "zoë@example.com", "form_ticket": api_ticket(client)}
        assert client.post(SUBMIT, json=body).status_code == 202
        deliver()
        [confirmation] = smtputf8_relay.to("zoë@example.com")
        assert confirmation.rcpt_tos == ["zoë@example.com"]


def test_a_relay_without_smtputf8_makes_it_a_site_problem_not_a_failure(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, ALLOW_SMTPUTF8_ADDRESSES=True)
    with app.app_context():
        client = app.test_client()
        body = {**LETTER, "email": "zoë@example.com", "form_ticket": api_ticket(client)}
        assert client.post(SUBMIT, json=body).status_code == 202
        result = deliver()
        assert result.site_problem is not None
        assert "SMTPUTF8" in result.site_problem
        letter = db.session.scalar(select(Letter))
        assert letter.status == "pending"
        [row] = db.session.scalars(select(OutboxEmail)).all()
        assert row.status == OutboxStatus.QUEUED  # waits for the relay (or the setting) to change
