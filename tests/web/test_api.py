"""JSON API v1, as documented in the README."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.alerts.models import Consent
from app.campaigns.editing import EDITABLE, save_campaign
from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import OutboxEmail
from tests.builders.letters import LETTER, PERSONAL_BODY, demo_campaign

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"


def ticket(client) -> str:
    return client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]


def body(client, **changes) -> dict:
    return {**LETTER, "form_ticket": ticket(client), **changes}


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def test_representatives_for_a_gb_postcode(client):
    response = client.get("/api/v1/representatives?postcode=te11aa")
    assert response.status_code == 200
    assert response.get_json() == {
        "postcode": "TE1 1AA",
        "constituency": {"name": "Testington North", "gss_code": "E14001063"},
        "mp": {
            "name": "Alice Able",
            "party": "Labour",
            "can_email": True,
            "status": "ok",
            "contact_url": "https://members.parliament.uk/member/9001/contact",
            "message": None,
        },
    }


def test_representatives_for_northern_ireland_lists_choices(client):
    data = client.get("/api/v1/representatives?postcode=BT7 1NN").get_json()
    assert data["constituency"] is None
    assert data["reason"] == "northern_ireland"
    assert [c["constituency"]["name"] for c in data["choices"]] == ["Belfast Test", "Derry Test"]
    assert all("mp" in c and c["mp"]["name"] for c in data["choices"])


@pytest.mark.parametrize(
    ("postcode", "status", "code"),
    [
        ("xx", 400, "invalid_postcode"),
        ("TE5 5XX", 404, "unknown_postcode"),
        ("GY1 1AA", 404, "no_mp_for_area"),
    ],
)
def test_representatives_errors(client, postcode, status, code):
    response = client.get("/api/v1/representatives", query_string={"postcode": postcode})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_representatives_no_email_and_vacant(client):
    glen = client.get("/api/v1/representatives?postcode=G1 1AA").get_json()["mp"]
    assert (glen["can_email"], glen["status"]) == (False, "no_email")
    assert "Dougal Ross" in glen["message"]
    vacant = client.get("/api/v1/representatives?postcode=VA1 1AA").get_json()["mp"]
    assert (vacant["can_email"], vacant["status"]) == (False, "vacant")


def test_campaign_gives_public_fields_and_a_form_ticket(client):
    response = client.get("/api/v1/campaigns/mp-expenses")
    data = response.get_json()
    assert data["slug"] == "mp-expenses"
    assert data["status"] == "live"
    assert "{mp_name}" in data["body_template"]
    assert "<strong>" in data["intro_html"]
    assert data["form_ticket"]
    assert data["privacy_url"] == "http://localhost/privacy"  # shown by the widget
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/campaigns/nope").status_code == 404


def test_submit_accepts_a_letter(client):
    response = client.post(SUBMIT, json=body(client))
    assert response.status_code == 202
    assert response.get_json() == {"status": "pending_confirmation"}
    assert db.session.scalars(select(Letter)).one().status == LetterStatus.PENDING


def test_submit_reports_every_invalid_field(client):
    response = client.post(SUBMIT, json=body(client, name="", email="nope", town=""))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "email", "town"}
    assert stored() == 0


def test_letters_checked_one_after_another_share_nothing(client):
    """The API refills one form per thread (app/web/forms.py): nothing of one
    letter, its words, its consent or its errors, may reach the next."""
    first = client.post(
        SUBMIT,
        json=body(client, name="", email="nope", address2="Flat 1", subscribe=True),
    )
    assert set(first.get_json()["error"]["fields"]) == {"name", "email"}

    second = client.post(SUBMIT, json=body(client, email="sam@example.com", address2=None))
    assert second.status_code == 202
    letter = db.session.scalars(select(Letter)).one()
    assert (letter.sender_name, letter.address2) == (LETTER["name"], "")
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0

    third = client.post(SUBMIT, json=body(client, email="kim@example.com", body="Too short."))
    assert set(third.get_json()["error"]["fields"]) == {"body"}
    assert stored() == 1


def test_submit_with_a_choice_needed_returns_the_choices(client):
    response = client.post(SUBMIT, json=body(client, postcode="BT7 1NN"))
    assert response.status_code == 400
    data = response.get_json()["error"]
    assert "constituency" in data["fields"]
    assert len(data["choices"]) == 2


def test_submit_to_an_unreachable_mp(client):
    response = client.post(SUBMIT, json=body(client, postcode="G1 1AA"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "mp_unreachable"


def test_a_second_letter_answers_as_the_first_and_the_same_ticket_twice_is_one(client):
    same = body(client)
    assert client.post(SUBMIT, json=same).status_code == 202
    assert client.post(SUBMIT, json=same).status_code == 202  # a retry of the same form
    again = client.post(SUBMIT, json=body(client))
    assert again.status_code == 202  # no oracle: the owner is told by email instead
    assert again.get_json() == client.post(SUBMIT, json=same).get_json()
    assert stored() == 1


def test_a_campaign_closed_since_this_process_read_it_takes_no_letter(app, client):
    app.config["REFERENCE_REFRESH_SECONDS"] = 60  # as in production: rules are copied
    assert client.post(SUBMIT, json=body(client)).status_code == 202  # its rules now copied
    # Closed by another process (an admin on another host): this one's copy is stale.
    db.session.execute(update(Campaign).values(status=CampaignStatus.CLOSED))
    db.session.commit()
    response = client.post(SUBMIT, json=body(client, email="later@example.com"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "campaign_closed"
    assert stored() == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_a_suggested_letter_edited_here_is_checked_at_once(app, client):
    app.config["REFERENCE_REFRESH_SECONDS"] = 60
    assert client.post(SUBMIT, json=body(client)).status_code == 202  # its rules now copied
    campaign = demo_campaign()
    fields = {key: getattr(campaign, key) for key in EDITABLE}
    save_campaign(None, campaign.id, {**fields, "body_template": PERSONAL_BODY})
    response = client.post(SUBMIT, json=body(client, email="later@example.com"))
    assert response.status_code == 400
    assert "your own words" in response.get_json()["error"]["fields"]["body"]
    assert stored() == 1


def test_submit_needs_json(client):
    response = client.post(SUBMIT, data=LETTER)
    assert response.status_code == 415
    assert client.post(SUBMIT, json=["a", "list"]).status_code == 400


def test_submit_needs_a_genuine_ticket(client):
    response = client.post(SUBMIT, json={**LETTER, "form_ticket": "forged"})
    assert response.status_code == 400
    assert "form_ticket" in response.get_json()["error"]["fields"]
    assert client.post(SUBMIT, json=LETTER).status_code == 400


def test_honeypot_answers_202_and_stores_nothing(client):
    response = client.post(SUBMIT, json=body(client, website="http://spam"))
    assert response.status_code == 202
    assert stored() == 0


def test_a_letter_sent_too_fast_is_asked_again_not_dropped(make_app):
    app = make_app(MIN_FILL_SECONDS=30)
    with app.app_context():
        client = app.test_client()
        response = client.post(SUBMIT, json=body(client))
        assert response.status_code == 400  # the widget takes a new ticket and shows the letter
        fields = response.get_json()["error"]["fields"]
        assert "quicker than we expected" in fields["form_ticket"]
        assert stored() == 0


def test_non_string_fields_are_invalid_not_a_crash(client):
    response = client.post(SUBMIT, json=body(client, name=["x"], body={"a": 1}))
    assert response.status_code == 400
    assert {"name", "body"} <= set(response.get_json()["error"]["fields"])


def test_unknown_api_routes_answer_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
