"""No oracle: the microsite and the API answer the same whether an address is
new, has a pending letter or a delivered one in the campaign; what differs
goes by email to the address's owner."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER, MP_ADDRESS
from tests.builders.outbox import deliver

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"
WRITE = "/c/mp-expenses/write"


def api_answer(client, email: str):
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    response = client.post(SUBMIT, json={**LETTER, "email": email, "form_ticket": ticket})
    return response.status_code, response.get_json()


def site_answer(client, email: str):
    form = {**LETTER, "email": email, "website": "", "action": "send",
            "form_ticket": issue_form_ticket()}  # fmt: skip
    response = client.post(WRITE, data=form)
    return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)


def delivered(client, email: str) -> Letter:
    api_answer(client, email)
    letter = db.session.scalar(select(Letter).where(Letter.sender_email == email))
    confirm_letter(confirmation_token(letter))
    deliver()
    db.session.commit()
    db.session.refresh(letter)
    assert letter.status == LetterStatus.SENT
    return letter


@pytest.mark.parametrize("answer", [api_answer, site_answer])
def test_new_pending_and_delivered_addresses_get_the_same_answer(mailed_app, mail_server, answer):
    client = mailed_app.test_client()
    delivered(client, "sent@example.com")
    api_answer(client, "pending@example.com")
    deliver()
    mail_server.clear()
    new = answer(client, "new@example.com")
    pending = answer(client, "pending@example.com")
    sent = answer(client, "sent@example.com")
    assert new == pending == sent
    deliver()
    # Each owner hears what differs, by email.
    assert "Confirm your letter" in mail_server.to("new@example.com")[0]["Subject"]
    assert "Confirm your letter" in mail_server.to("pending@example.com")[0]["Subject"]
    [notice] = mail_server.to("sent@example.com")
    assert notice["Subject"] == "You have already written to Alice Able"
    assert "Your letter was delivered on" in notice.text
    # Not a dead end: a next step, with the writer's own share link.
    sender = db.session.scalar(select(Letter).where(Letter.sender_email == "sent@example.com"))
    assert f"/s/{sender.share_code}/email" in notice.text
    assert len(mail_server.to(MP_ADDRESS)) == 0  # nothing new went to the MP


def test_the_owner_is_told_at_most_once_a_day(mailed_app, mail_server):
    client = mailed_app.test_client()
    delivered(client, "sent@example.com")
    mail_server.clear()
    for _ in range(3):
        api_answer(client, "sent@example.com")
    deliver()
    assert len(mail_server.to("sent@example.com")) == 1
