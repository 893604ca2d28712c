"""Targets through the JSON API v1 (additive: v1's answers keep their fields)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.letters.models import Letter
from app.targets.campaigns import Settings, set_targets
from tests.builders.letters import LETTER, demo_campaign
from tests.builders.targets import targeted_campaign

CAMPAIGN = "/api/v1/campaigns/mp-expenses"


def body(client, **changes) -> dict:
    ticket = client.get(CAMPAIGN).get_json()["form_ticket"]
    return {**LETTER, "form_ticket": ticket, **changes}


def test_a_campaign_without_targets_says_so_and_keeps_v1s_fields(client):
    answer = client.get(f"{CAMPAIGN}/targets?postcode=te11aa").get_json()
    assert answer["targets"] is None
    assert answer["mp"]["name"] == "Alice Able"
    assert answer["constituency"] == {"name": "Testington North", "gss_code": "E14001063"}


def test_the_writers_targets_and_the_campaigns_rules(client):
    targeted_campaign(demo_campaign(), most=3)
    answer = client.get(f"{CAMPAIGN}/targets?postcode=TE1 1AA").get_json()
    assert answer["postcode"] == "TE1 1AA"
    assert (answer["mp_choice"], answer["choice"], answer["most"]) == ("offered", "some", 3)
    names = [t["name"] for t in answer["targets"]]
    assert names == ["Pat Quill", "Robin Vale", "Lee Moss", "Morgan Example"]
    assert answer["targets"][0] == {
        "value": answer["targets"][0]["value"], "name": "Pat Quill",
        "role": "Councillor for Testington East", "body": "Testington District Council",
        "by_post": False, "variant": None,
    }  # fmt: skip
    assert answer["ticked"][0] == "mp"
    bad = client.get(f"{CAMPAIGN}/targets?postcode=nonsense")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_postcode"


def test_a_letter_sent_through_the_api_goes_to_the_targets_ticked(client):
    targeted_campaign(demo_campaign(), most=3)
    targets = client.get(f"{CAMPAIGN}/targets?postcode=TE1 1AA").get_json()["targets"]
    quill = targets[0]["value"]
    too_many = client.post(f"{CAMPAIGN}/messages",
                           json=body(client, targets=["mp", *(t["value"] for t in targets)]))  # fmt: skip
    assert too_many.status_code == 400
    assert too_many.get_json()["error"]["fields"] == {
        "targets": "Choose at most 3 people to write to."
    }
    not_a_list = client.post(f"{CAMPAIGN}/messages", json=body(client, targets="mp"))
    assert not_a_list.get_json()["error"]["fields"]["targets"].startswith("targets is a list")
    assert db.session.scalar(select(Letter)) is None

    sent = client.post(f"{CAMPAIGN}/messages", json=body(client, targets=[quill]))
    assert sent.status_code == 202
    letter = db.session.scalars(select(Letter)).one()
    assert not letter.to_mp
    assert [r.name for r in letter.recipients] == ["Pat Quill"]


def test_without_targets_the_letter_goes_to_the_mp_alone(client):
    # Everyone starts ticked, but a client that sends no targets showed none.
    campaign = targeted_campaign(demo_campaign(), mp="offered", preselected=True)
    sent = client.post(f"{CAMPAIGN}/messages", json=body(client))
    assert sent.status_code == 202
    letter = db.session.scalars(select(Letter)).one()
    assert letter.to_mp
    assert letter.recipients == []
    set_targets(campaign.id, Settings(mp="never", lists=("councillors",)))
    refused = client.post(f"{CAMPAIGN}/messages", json=body(client, email="other@example.com"))
    assert refused.status_code == 400
    assert refused.get_json()["error"]["fields"]["targets"] == "Choose who to write to."
