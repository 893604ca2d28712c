"""No one-click mass action: sending an alert and taking a live campaign
offline each ask first, naming what will happen."""

from __future__ import annotations

from sqlalchemy import select

from app.alerts.models import Alert, AlertStatus
from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from tests.builders.alerts import new_alert, subscriber
from tests.builders.letters import demo_campaign


def test_sending_an_alert_asks_first_naming_how_many(admin_client):
    for n in range(3):
        subscriber(f"reader{n}@example.com")
    alert = new_alert(admin_client.admin)
    asked = admin_client.post(f"/admin/alerts/{alert.id}/send")
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "to 3 subscribers?" in html
    assert "Yes, send to 3 subscribers" in html
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status == AlertStatus.DRAFT  # nothing sent yet
    sent = admin_client.post(f"/admin/alerts/{alert.id}/send", data={"confirm": "yes"})
    assert sent.status_code == 303
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status == AlertStatus.SENDING


def test_taking_a_live_campaign_offline_asks_first(admin_client):
    campaign = demo_campaign()
    assert campaign.status == CampaignStatus.LIVE
    asked = admin_client.post(f"/admin/campaigns/{campaign.id}/status", data={"status": "closed"})
    assert asked.status_code == 200
    assert "Take \u201cPublish MPs&#39; expenses in full\u201d offline (closed)?" in asked.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.scalar(select(Campaign.status)) == CampaignStatus.LIVE
    done = admin_client.post(
        f"/admin/campaigns/{campaign.id}/status", data={"status": "closed", "confirm": "yes"}
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Campaign.status)) == CampaignStatus.CLOSED
