"""What a webhook call says of a person who chose alerts (app/webhooks/).

Only the organisation running the site hears a person's events (their
consent was to its alerts: app/webhooks/announcing.py), and hears what a
CRM needs to honour it: their address, language, constituency and the
consents they gave, with the words they agreed to. Never their postcode.
"""

from __future__ import annotations

from app.alerts.models import Subscriber
from app.db import iso_time
from app.outbox.models import OutboxEmail
from app.tokens import ERASED
from app.webhooks.models import Endpoint


def person_data(row: OutboxEmail, endpoint: Endpoint) -> dict | None:
    """The call's data about its subscriber. Once they are erased, only their
    id and that they were: the CRM, which has their address from their
    subscription, is told to forget them, and learns nothing new."""
    subscriber = row.subscriber
    if subscriber is None:
        return None
    if subscriber.email.startswith(ERASED):
        return {"person": {"id": f"person_{subscriber.id}", "status": "erased"}}
    return {"person": describe(subscriber)}


def describe(subscriber: Subscriber) -> dict:
    constituency = subscriber.constituency
    return {
        "id": f"person_{subscriber.id}",
        "email": subscriber.email,
        "language": subscriber.language,
        "status": str(subscriber.status),
        "constituency": {"name": constituency.name, "gss_code": constituency.gss_code}
        if constituency is not None
        else None,
        "subscribed_at": iso_time(subscriber.confirmed_at),
        "unsubscribed_at": iso_time(subscriber.unsubscribed_at),
        "consents": [
            {
                "source": consent.source,
                "campaign": consent.campaign.slug if consent.campaign is not None else None,
                "wording": consent.wording,
                "given_at": iso_time(consent.given_at),
            }
            for consent in subscriber.consents
        ],
    }
