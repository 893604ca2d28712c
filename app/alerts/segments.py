"""Who an alert goes to: its segment of the confirmed subscribers.

To add a segment: a value in `Segment` (app/alerts/models.py), its label
here, and its condition in `segment_subscribers`.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select

from app.alerts.models import Alert, Segment, Subscriber, SubscriberStatus
from app.extensions import db
from app.letters.models import ACTIVE_STATUSES, Letter, LetterStatus

SEGMENT_LABELS = {
    Segment.ALL: "Everyone subscribed",
    Segment.NOT_WRITTEN: "Subscribers who have not yet written in this campaign",
    Segment.MP_NOT_HEARD: "Subscribers whose MP has not yet received a letter in this campaign",
}


def segment_subscribers(alert: Alert):
    """SELECT of the ids of confirmed subscribers in the alert's segment."""
    query = select(Subscriber.id).where(Subscriber.status == SubscriberStatus.CONFIRMED)
    if alert.segment == Segment.NOT_WRITTEN:
        wrote = exists().where(
            Letter.campaign_id == alert.campaign_id,
            Letter.sender_email_key == Subscriber.email,
            Letter.status.in_(ACTIVE_STATUSES),
        )
        query = query.where(~wrote)
    elif alert.segment == Segment.MP_NOT_HEARD:
        heard = exists().where(
            Letter.campaign_id == alert.campaign_id,
            Letter.constituency_id == Subscriber.constituency_id,
            Letter.status == LetterStatus.SENT,
        )
        query = query.where(Subscriber.constituency_id.is_not(None), ~heard)
    return query


def segment_count(alert: Alert) -> int:
    return db.session.execute(
        select(func.count()).select_from(segment_subscribers(alert).subquery())
    ).scalar_one()
