"""Input that used to cause a 500 gets its 4xx; a database that cannot store a
request gets a 503 that says nothing was stored; a form sent again with a
corrected address is never a 202 that stores nothing."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from app.alerts.models import Consent, Subscriber
from app.extensions import db
from app.letters.models import Letter
from app.web.abuse import issue_form_ticket
from tests.builders.letters import LETTER

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"
WRITE = "/c/mp-expenses/write"


def api_ticket(client) -> str:
    return client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]


def stored() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_json_nested_a_thousand_deep_is_a_400(client):
    deep = "[" * 1000 + "]" * 1000
    response = client.post(SUBMIT, data=deep, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("ticket", [12345, 1.5, True, False, None, ["x"], {"k": "v"}])
def test_a_form_ticket_of_the_wrong_type_is_an_invalid_field(client, ticket):
    response = client.post(SUBMIT, json={**LETTER, "form_ticket": ticket})
    assert response.status_code == 400  # the API's answer for invalid fields
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert "form_ticket" in error["fields"]
    assert stored() == 0


def test_signing_up_for_a_campaign_that_does_not_exist_still_records_consent(client):
    response = client.post(
        "/alerts?campaign=999999",
        data={"email": "reader@example.com", "postcode": "", "website": ""},
    )
    assert response.status_code == 303
    [consent] = db.session.scalars(select(Consent)).all()
    assert consent.campaign_id is None
    assert db.session.scalar(select(Subscriber.email)) == "reader@example.com"


@pytest.mark.parametrize(
    "next_url", ["/admin/letters\r\nSet-Cookie: x=1", "/admin/\x00letters", "/admin/\u2028"]
)
def test_a_sign_in_next_with_control_characters_goes_to_the_dashboard(app, make_admin, next_url):
    from tests.builders.admins import ADMIN_PASSWORD, totp_code

    admin, secret = make_admin()
    client = app.test_client()
    client.get("/admin/login", query_string={"next": next_url})
    client.post("/admin/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    response = client.post("/admin/verify", data={"code": totp_code(secret)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


def test_the_same_form_sent_again_with_a_corrected_address_is_refused_visibly(client):
    ticket = api_ticket(client)
    first = client.post(SUBMIT, json={**LETTER, "email": "jane@exmaple.com", "form_ticket": ticket})
    assert first.status_code == 202
    again = client.post(SUBMIT, json={**LETTER, "email": "jane@example.com", "form_ticket": ticket})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "form_already_sent"
    # With a fresh form the corrected letter is stored.
    fresh = client.post(SUBMIT, json={**LETTER, "form_ticket": api_ticket(client)})
    assert fresh.status_code == 202
    assert stored() == 2


def test_the_microsite_shows_the_corrected_address_error_and_a_new_ticket(client):
    ticket = issue_form_ticket()
    form = {**LETTER, "website": "", "action": "send", "form_ticket": ticket}
    assert client.post(WRITE, data={**form, "email": "jane@exmaple.com"}).status_code == 303
    again = client.post(WRITE, data=form)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "already sent with a different email address" in html
    assert 'id="email-error"' in html  # tied to the field
    assert ticket not in html  # a new ticket: sending again stores the corrected letter
    assert stored() == 1


@pytest.fixture
def locked_app(make_app, backend):
    """The app on a SQLite file another connection holds locked."""
    if backend != "sqlite":
        pytest.skip("a file lock is SQLite's")
    app = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=0.2)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    with app.app_context():
        yield app
    lock.execute("ROLLBACK")
    lock.close()


def test_a_letter_to_a_locked_database_gets_a_503_saying_nothing_was_stored(locked_app):
    client = locked_app.test_client()
    api = client.post(SUBMIT, json={**LETTER, "form_ticket": api_ticket(client)})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert "nothing you sent was stored" in api.get_json()["error"]["message"]
    form = {**LETTER, "website": "", "action": "send", "form_ticket": issue_form_ticket()}
    site = client.post(WRITE, data=form)
    assert site.status_code == 503
    assert "nothing you sent was stored" in site.get_data(as_text=True)
