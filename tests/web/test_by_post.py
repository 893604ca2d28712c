"""Letters by post: to an MP the site cannot email, a constituent still writes,
confirms, and gets their letter to print; it counts in the campaign."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.outbox.models import EmailKind, OutboxEmail
from app.reports.momentum import momentum
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER, NO_MODERATION, submit
from tests.builders.outbox import deliver

WRITE = "/c/mp-expenses/write"
GLEN = {"postcode": "G1 1AA"}  # Dougal Ross: "No email found"
BODY = LETTER["body"].replace("Alice Able", "Dougal Ross")


@pytest.fixture
def mailed(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, MIN_FILL_SECONDS=0, MOMENTUM_CACHE_SECONDS=0,
                   **NO_MODERATION)  # fmt: skip
    with app.app_context():
        yield app


def form(**changes) -> dict:
    return {**LETTER, "postcode": "G1 1AA", "body": BODY, "form_ticket": issue_form_ticket(),
            "website": "", **changes}  # fmt: skip


def test_the_compose_page_says_the_letter_goes_by_post(client):
    html = client.get(WRITE, query_string=GLEN).get_data(as_text=True)
    assert "Your letter goes by post" in html
    assert "We don&#39;t have a working email address for Dougal Ross" in html
    assert "Dougal Ross's contact page on the UK Parliament website" in html
    assert 'name="body"' in html  # they can still write


def test_the_preview_is_laid_out_to_post(client):
    html = client.post(WRITE, data=form(action="preview")).get_data(as_text=True)
    assert "This is the letter you will print and post to Dougal Ross" in html
    assert "Dougal Ross MP<br>House of Commons<br>London<br>SW1A 0AA" in html
    assert "Click it, and your letter is ready to print" in html
    assert "Email me the link to print it" in html
    assert "Send my letter" not in html


def test_a_confirmed_letter_by_post_counts_and_is_emailed_to_print(mailed, mail_server):
    client = mailed.test_client()
    sent = client.post(WRITE, data=form(action="send", email="fiona@example.com"))
    assert sent.status_code == 303
    told = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Get my letter ready to print" in told
    assert "goes to your MP when you open the link" not in told
    letter = db.session.scalar(select(Letter).where(Letter.sender_email == "fiona@example.com"))
    assert letter.by_post
    assert letter.status == LetterStatus.PENDING
    token = confirmation_token(letter)
    page = client.get(f"/confirm/{token}").get_data(as_text=True)
    assert "Print your letter to Dougal Ross" in page
    assert "Get my letter ready to print" in page
    assert "Send my letter" not in page
    assert client.post(f"/confirm/{token}").status_code == 303
    db.session.commit()
    db.session.refresh(letter)
    assert letter.status == LetterStatus.POSTED
    kinds = db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.letter_id == letter.id))
    assert EmailKind.MP_LETTER not in set(kinds)  # nothing for the site to send to the MP

    deliver()
    [copy] = mail_server.to("fiona@example.com")[-1:]
    assert copy["Subject"] == "Your letter to Dougal Ross, to print and post"
    assert "Dougal Ross MP\nHouse of Commons\nLondon\nSW1A 0AA" in copy.text
    assert "I run a small business" in copy.text
    assert mail_server.to("No email found") == []

    thanks = client.get(f"/confirm/{token}/thanks").get_data(as_text=True)
    assert "Now print it, sign it and post it" in thanks
    assert "data-print hidden" in thanks  # the button JavaScript shows
    assert 'class="letter letter--postal printable"' in thanks
    assert momentum(letter.campaign_id).letters == 1


def test_the_widget_still_sends_people_to_parliament(client):
    """The JSON API has no page to print from: it says the MP cannot be emailed."""
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    payload = {**form(), "form_ticket": ticket}
    del payload["website"]
    response = client.post("/api/v1/campaigns/mp-expenses/messages", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "mp_unreachable"


def test_a_letter_by_post_is_moderated_like_any_other(make_app, make_admin):
    from app.letters import moderation

    app = make_app()  # moderation on
    with app.app_context():
        first = submit(postcode="G1 1AA", by_post=True, body=BODY)
        confirm_letter(confirmation_token(first))
        copy = submit(postcode="G1 1AA", by_post=True, email="copier@example.com",
                      name="Carl Copier", key="copy", body=BODY.replace("Jane Smith", "Carl Copier"))  # fmt: skip
        held = confirm_letter(confirmation_token(copy))
        assert held.status == LetterStatus.HELD
        admin, _ = make_admin()
        released = moderation.release(held.id, admin)
        assert released.status == LetterStatus.POSTED
        assert momentum(released.campaign_id).letters == 2  # both count once posted


def test_an_erased_letter_by_post_still_counts_as_its_writers_letter(mailed):
    from app.letters.submission import DuplicateLetter
    from app.privacy.requests import erase

    letter = submit(postcode="G1 1AA", by_post=True, body=BODY, email="erin@example.com")
    confirm_letter(confirmation_token(letter))
    erase("erin@example.com")
    with pytest.raises(DuplicateLetter):
        submit(postcode="G1 1AA", by_post=True, body=BODY, email="erin@example.com", key="again")
