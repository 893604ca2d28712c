"""A bad value is never saved: single-line admin fields refuse control
characters of every class, and a sender must be usable in an SMTP envelope."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts.models import Alert
from app.campaigns.models import Campaign
from app.extensions import db
from app.partners.models import Partner
from tests.builders.letters import demo_campaign

# C0 (a vertical tab pasted from a word processor), C1 (NEL), a line separator,
# and a bidirectional override (used to disguise text).
CHARACTERS = ["\x0b", "\x85", "\u2028", "\u202e"]


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("character", CHARACTERS)
def test_a_campaign_title_with_a_control_character_is_refused(admin_client, character):
    before = count(Campaign)
    response = admin_client.post(
        "/admin/campaigns/new",
        data={"title": f"Save{character}the library", "slug": "library", "status": "draft"},
    )
    assert response.status_code == 422
    assert "Please remove line breaks and special characters." in response.get_data(as_text=True)
    assert count(Campaign) == before


@pytest.mark.parametrize(
    "sender",
    [f"Campaign{c} <alerts@example.org>" for c in CHARACTERS]
    + ["Campaign <alerts@@example.org>", "Campaign <zoë@example.org>", "not an address"],
)
def test_an_unusable_alert_sender_is_refused(admin_client, sender):
    campaign = demo_campaign()
    data = {"title": campaign.title, "slug": campaign.slug, "status": campaign.status,
            "alert_sender": sender}  # fmt: skip
    response = admin_client.post(f"/admin/campaigns/{campaign.id}", data=data)
    assert response.status_code == 422
    db.session.expire_all()
    assert demo_campaign().alert_sender in (None, "")


@pytest.mark.parametrize("character", CHARACTERS)
def test_an_alert_subject_with_a_control_character_is_refused(admin_client, character):
    response = admin_client.post(
        "/admin/alerts/new",
        data={"campaign": str(demo_campaign().id), "subject": f"Vote{character}today",
              "segment": "all", "call_to_action": "Write"},
    )  # fmt: skip
    assert response.status_code == 422
    assert count(Alert) == 0


@pytest.mark.parametrize("character", CHARACTERS)
def test_a_partner_name_with_a_control_character_is_refused(admin_client, character):
    response = admin_client.post(
        "/admin/partners/new",
        data={"slug": "gazette", "name": f"The{character}Gazette",
              "origins": "https://g.example", "active": "y"},
    )  # fmt: skip
    assert response.status_code == 422
    assert count(Partner) == 0
