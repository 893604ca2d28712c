"""A campaign's minimum share of own words, enforced on the page and in the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter
from app.letters.own_words import measure
from tests.builders.letters import LETTER, NO_MODERATION, demo_campaign

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def mostly_the_template() -> str:
    filled = (demo_campaign().body_template.replace("{mp_name}", "Alice Able")
              .replace("{constituency}", "Testington North")
              .replace("{constituent_name}", "Jane Smith"))  # fmt: skip
    return re.sub(r"\[[^\]]*own words[^\]]*\]", "I care about this", filled)


@pytest.fixture
def half_their_own(make_app):
    """The demo campaign, asking for at least half of a letter in its writer's words."""
    app = make_app(**NO_MODERATION)
    with app.app_context():
        demo_campaign().min_own_words_percent = 50
        db.session.commit()
        yield app


def test_the_api_refuses_a_letter_below_the_minimum_with_its_figure(half_their_own):
    client = half_their_own.test_client()
    body = mostly_the_template()
    names = ("Alice Able", "Testington North", "Jane Smith")
    own = measure(body, demo_campaign().body_template.replace("{mp_name}", names[0])
                  .replace("{constituency}", names[1])
                  .replace("{constituent_name}", names[2]), names).percent  # fmt: skip
    assert 0 < own < 50  # "I care about this" is all that is theirs
    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()
    assert ticket["min_own_words_percent"] == 50
    refused = client.post(
        SUBMIT, json={**LETTER, "body": body, "form_ticket": ticket["form_ticket"]}
    )
    assert refused.status_code == 400
    message = refused.get_json()["error"]["fields"]["body"]
    assert f"About {own}% of your letter is in your own words" in message
    assert "at least 50%" in message
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0

    ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
    accepted = client.post(SUBMIT, json={**LETTER, "form_ticket": ticket})  # its own words
    assert accepted.status_code == 202


def test_the_page_refuses_it_too(half_their_own):
    client = half_their_own.test_client()
    page = client.get("/c/mp-expenses/write?postcode=TE1+1AA").get_data(as_text=True)
    assert 'data-own-words-minimum="50"' in page
    ticket = re.search(r'name="form_ticket" type="hidden" value="([^"]+)"', page)[1]
    sent = client.post("/c/mp-expenses/write", data={
        **LETTER, "body": mostly_the_template(), "form_ticket": ticket, "action": "send"})  # fmt: skip
    assert sent.status_code == 422
    assert "at least 50%" in sent.get_data(as_text=True)
