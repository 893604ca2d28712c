"""CSRF over HTTPS, as deployed: the pages reached through emailed links send
Referrer-Policy: no-referrer, so their forms arrive with no Referer and
`Origin: null`. The same-origin check reads Sec-Fetch-Site instead, and a
token that fails on the person's own form gives the form back, nothing lost.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirmation_token
from app.web.abuse import issue_form_ticket
from tests.builders.browsers import OWN_FORM
from tests.builders.letters import LETTER, submit

HTTPS = "https://localhost"


@pytest.fixture
def https_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, SITE_URL=HTTPS, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        yield app.test_client()


def token_on(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def open_confirm_page(client):
    token = confirmation_token(letter := submit())
    page = client.get(f"/confirm/{token}", base_url=HTTPS)
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the link's token stays here
    return letter, token, token_on(page.get_data(as_text=True))


def status_of(letter) -> LetterStatus:
    db.session.expire_all()
    return db.session.get(Letter, letter.id).status


def test_send_my_letter_works_over_https_without_a_referer(https_client):
    letter, token, csrf = open_confirm_page(https_client)
    response = https_client.post(
        f"/confirm/{token}", data={"csrf_token": csrf}, headers=OWN_FORM, base_url=HTTPS
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert status_of(letter) == LetterStatus.QUEUED


def test_a_browser_that_says_nothing_of_where_it_comes_from_needs_only_the_token(https_client):
    letter, token, csrf = open_confirm_page(https_client)
    response = https_client.post(f"/confirm/{token}", data={"csrf_token": csrf}, base_url=HTTPS)
    assert response.status_code == 303
    assert status_of(letter) == LetterStatus.QUEUED


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site here
        {"Origin": "https://attacker.example"},
        {"Origin": "http://localhost"},  # the same host over plain http
        {"Origin": "null", "Referer": "https://attacker.example/page"},
    ],
)
def test_a_form_from_another_site_is_refused_even_with_a_token(https_client, headers):
    letter, token, csrf = open_confirm_page(https_client)
    response = https_client.post(
        f"/confirm/{token}", data={"csrf_token": csrf}, headers=headers, base_url=HTTPS
    )
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "came from another website" in html
    assert "Nothing has been sent or changed" in html
    assert "session expired" not in html.lower()
    assert status_of(letter) == LetterStatus.PENDING


def test_an_expired_session_gets_the_form_back_and_loses_nothing(https_client):
    """A follow-up of what a person typed: the form comes back with a fresh
    token and every field, and pressing its button does what they asked."""
    letter, token, _ = open_confirm_page(https_client)
    https_client.delete_cookie("session", domain="localhost")
    response = https_client.post(
        f"/confirm/{token}",
        data={"csrf_token": "left-over", "note": "typed by the person"},
        headers=OWN_FORM,
        base_url=HTTPS,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please press the button again" in html
    assert "session expired" not in html.lower()
    assert 'value="typed by the person"' in html
    assert "left-over" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert status_of(letter) == LetterStatus.PENDING
    again = https_client.post(
        f"/confirm/{token}",
        data={"csrf_token": token_on(html), "note": "typed by the person"},
        headers=OWN_FORM,
        base_url=HTTPS,
    )
    assert again.status_code == 303
    assert status_of(letter) == LetterStatus.QUEUED


def test_a_failed_token_from_an_unknown_origin_is_refused_not_replayed(https_client):
    letter, token, _ = open_confirm_page(https_client)
    response = https_client.post(f"/confirm/{token}", data={"csrf_token": "x"}, base_url=HTTPS)
    assert response.status_code == 403
    assert 'name="csrf_token"' not in response.get_data(as_text=True)  # nothing to press
    assert status_of(letter) == LetterStatus.PENDING


def test_a_letter_posted_from_another_site_is_not_stored(https_client):
    form = {**LETTER, "form_ticket": issue_form_ticket(), "action": "send"}
    response = https_client.post(
        "/c/mp-expenses/write",
        data=form,
        headers={"Sec-Fetch-Site": "cross-site"},
        base_url=HTTPS,
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0


def test_a_form_given_back_never_holds_a_password(https_client):
    answer = https_client.post(
        "/admin/login",
        data={"csrf_token": "stale", "email": "ops@example.org", "password": "hunter2 hunter2"},
        headers=OWN_FORM,
        base_url=HTTPS,
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'value="ops@example.org"' in html  # what they typed is kept...
    assert "hunter2" not in html  # ...but not their password
    assert "enter them again" in html
