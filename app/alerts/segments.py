"""Who an alert goes to: its segment of the confirmed subscribers.

To add a segment: a value in `Segment` (app/alerts/models.py), its label
here, and its condition in `segment_subscribers`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select

from app.alerts.heard import unheard_areas
from app.alerts.models import Alert, Segment, Subscriber, SubscriberStatus
from app.db import utcnow
from app.extensions import db
from app.letters.models import ACTIVE_STATUSES, Letter, LetterStatus
from app.reference.models import Constituency
from app.replies.models import Answer, ReplyQuestion
from app.replies.responsiveness import responsiveness


def segment_labels() -> dict[Segment, str]:
    """What each segment is, in words, with the follow-up settings' values."""
    config = current_app.config
    return {
        Segment.ALL: "Everyone subscribed",
        Segment.NOT_WRITTEN: "Subscribers who have not yet written in this campaign",
        Segment.MP_NOT_HEARD: "Subscribers whose MP has not yet received a letter in this campaign",
        Segment.TARGET_NOT_HEARD: "Subscribers whose councillor (or another local target of this "
        "campaign's lists) has not yet received a letter in it",
        Segment.NO_REPLY: "Subscribers who wrote, and say their MP had not replied "
        f"{config['FOLLOW_UP_AFTER_DAYS']:g} days after delivery",
        Segment.LOW_REPLY_MP: "Subscribers whose MP's reply rate in this campaign is under "
        f"{config['FOLLOW_UP_BELOW_RATE']:.0%} (MPs with enough answers only)",
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
            Letter.to_mp.is_(True),  # one only to others is not the MP's
        )
        query = query.where(Subscriber.constituency_id.is_not(None), ~heard)
    elif alert.segment == Segment.TARGET_NOT_HEARD:
        query = query.where(not_heard_locally(alert.campaign_id))
    elif alert.segment == Segment.NO_REPLY:
        waited = utcnow() - timedelta(days=current_app.config["FOLLOW_UP_AFTER_DAYS"])
        unanswered = exists().where(
            Letter.campaign_id == alert.campaign_id,
            Letter.sender_email_key == Subscriber.email,
            Letter.status == LetterStatus.SENT,
            Letter.to_mp.is_(True),
            Letter.sent_at <= waited,
            ReplyQuestion.letter_id == Letter.id,
            ReplyQuestion.answer.in_((Answer.NO, Answer.NOT_YET)),
        )
        query = query.where(unanswered)
    elif alert.segment == Segment.LOW_REPLY_MP:
        below = current_app.config["FOLLOW_UP_BELOW_RATE"]
        seats = [
            row.gss_code
            for row in responsiveness(alert.campaign_id).mps
            if row.rate is not None and row.rate < below
        ]
        in_seat = select(Constituency.id).where(Constituency.gss_code.in_(seats))
        query = query.where(Subscriber.constituency_id.in_(in_seat))
    return query


def segment_count(alert: Alert) -> int:
    return db.session.execute(
        select(func.count()).select_from(segment_subscribers(alert).subquery())
    ).scalar_one()


def not_heard_locally(campaign_id: int):
    """Subscribers living where one of the campaign's local targets (by
    ward, council, county, constituency or Senedd constituency) has had no
    letter in it yet. National targets serve everyone, so are not counted."""
    unheard = unheard_areas(campaign_id)
    seats = select(Constituency.id).where(Constituency.gss_code.in_(unheard.constituencies))
    return or_(
        Subscriber.ward_code.in_(unheard.wards),
        Subscriber.council_code.in_(unheard.councils),
        Subscriber.county_code.in_(unheard.counties),
        Subscriber.constituency_id.in_(seats),
    )
