"""Subscribers to campaign alerts: double opt-in, consent, unsubscribing, suppression.

Nothing but the confirmation email is sent to an address until it is
confirmed: by the link in that email, or by confirming a letter sent with the
alerts box ticked (the same proof that the address is theirs). Links carry
signed tokens, one purpose each, so an unsubscribe link cannot confirm, and a
click-through link from an alert cannot change anything.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app.accounts import audit
from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.alerts.places import place
from app.campaigns.models import Campaign
from app.db import utcnow, write_transaction
from app.extensions import db
from app.i18n import N_, current_language, gettext
from app.letters.submission import StoredLetter
from app.outbox.caps import OWNER_TOLD, within_cap
from app.outbox.models import EmailKind, OutboxEmail
from app.outbox.verdicts import BounceType
from app.reference.postcodes import PostcodeError
from app.reference.representatives import Found, find_mp
from app.text import normalise_email
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id
from app.webhooks.announcing import announce
from app.webhooks.models import Event

log = logging.getLogger(__name__)

# Shown beside every sign-up, in the page's language, and recorded with the
# consent as shown (translate it with gettext where it is used).
CONSENT_WORDING = N_(
    "Email me alerts about this campaign and others like it. I can unsubscribe at any "
    "time with one click."
)
CONFIRM_DAYS = 7
# The suppression reason a spam complaint leaves (app/bounces/handling.py),
# and how long it holds against the owner's own proven consent.
COMPLAINED = "complained of spam"
# ...and the reasons the mail system gives when an address stops taking mail.
BOUNCED = ("bounced:", "3 transient failures", "3 soft bounces")
COMPLAINT_KEEPS_FOR = timedelta(days=90)
PREFERENCES_DAYS = 60
FRESH_PREFERENCES_DAYS = 1 / 24  # an hour: it was just sent to the inbox


class BadLink(Exception):
    """A subscription link that was altered, cut short, expired or never issued."""


# Unsubscribe links never expire (they must work in an old email); the others do.
TIMED = {
    Purpose.CONFIRM_SUBSCRIPTION: True,
    Purpose.ALERT_PREFERENCES: True,
    Purpose.FRESH_PREFERENCES: True,
    Purpose.UNSUBSCRIBE: False,
}


def subscribed(email: str) -> bool:
    """Whether this address is signed up (confirmed, or waiting to confirm)."""
    status = db.session.scalar(
        select(Subscriber.status).where(Subscriber.email == normalise_email(email))
    )
    return status in (SubscriberStatus.CONFIRMED, SubscriberStatus.PENDING)


def token_for(subscriber: Subscriber, salt: Purpose) -> str:
    return sign_id(salt, subscriber.id, timed=TIMED[salt])


def subscriber_for(token: str, salt: Purpose, max_age_days: float | None = None) -> Subscriber:
    max_age = int(max_age_days * 86400) if max_age_days else None
    try:
        subscriber_id = unsign_id(salt, token, timed=TIMED[salt], max_age_seconds=max_age)
    except InvalidToken as exc:
        raise BadLink() from exc
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise BadLink()
    return subscriber


def _constituency_for(postcode: str | None) -> tuple[str | None, int | None]:
    """The postcode as we know it, and its constituency, if it can be placed."""
    if not postcode:
        return None, None

    try:
        result = find_mp(postcode)
    except PostcodeError:
        return None, None
    return result.postcode, result.seat.constituency_id if isinstance(result, Found) else None


def record_consent(
    email: str,
    *,
    source: str,
    wording: str = CONSENT_WORDING,
    campaign_id: int | None = None,
    postcode: str | None = None,
    constituency_id: int | None = None,
    letter_id: int | None = None,
    verified: bool = False,
) -> Subscriber:
    """Store a sign-up and the exact words agreed to, then ask for confirmation.

    `verified`: the person has just proved the address is theirs (they came
    through a link we emailed to it). `message_id`: they ticked the box on a
    letter, whose confirmation will confirm this too. Otherwise a confirmation
    email goes out, and nothing else will until they follow it.
    """
    key = normalise_email(email)
    if postcode and constituency_id is None:
        postcode, constituency_id = _constituency_for(postcode)
    with write_transaction() as session:
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == key))
        if subscriber is not None and not verified and _owned_by_someone(subscriber):
            # A sign-up for an address that is already someone's: nothing
            # changes on a stranger's word. A subscriber hears of it, once a
            # day at most (a suppressed address, never; a letter's writer hears
            # from its confirmation email instead).
            told = letter_id is None and subscriber.status == SubscriberStatus.CONFIRMED
            if told and within_cap(key, "owner_told", OWNER_TOLD):
                session.add(OutboxEmail(kind=EmailKind.PREFERENCES_LINK,
                                        subscriber_id=subscriber.id))  # fmt: skip
            log.info("subscriber %s: a sign-up by someone unproven changed nothing", subscriber.id)
            return subscriber
        if subscriber is None:
            subscriber = Subscriber(email=key, status=SubscriberStatus.PENDING,
                                    language=current_language())  # fmt: skip
            session.add(subscriber)
        if complained(subscriber) and not _may_come_back(subscriber):
            log.info("subscriber %s: consent within %s days of a complaint: kept suppressed",
                     subscriber.id, COMPLAINT_KEEPS_FOR.days)  # fmt: skip
            return subscriber
        if postcode and postcode != subscriber.postcode:
            subscriber.postcode = postcode
            place(subscriber)
        if constituency_id:
            subscriber.constituency_id = constituency_id
        ask = False
        if subscriber.status == SubscriberStatus.SUPPRESSED:
            # Fresh consent after a bounce, or the owner's proven consent long
            # after a complaint: the suppression ends, and the address must
            # prove itself again (double opt-in), unless they came through a
            # link we mailed to it.
            log.info("subscriber %s: suppression ended by fresh consent", subscriber.id)
            subscriber.suppressed_reason = None
            subscriber.status = SubscriberStatus.PENDING
        if verified:
            _confirm(subscriber)
        elif subscriber.status != SubscriberStatus.CONFIRMED:
            subscriber.status = SubscriberStatus.PENDING
            ask = letter_id is None
        session.flush()
        if campaign_id is not None and session.get(Campaign, campaign_id) is None:
            campaign_id = None  # a link naming no campaign: the consent is still theirs
        session.add(
            Consent(
                subscriber_id=subscriber.id,
                campaign_id=campaign_id,
                source=source,
                wording=wording,
                letter_id=letter_id,
            )
        )
        if ask and within_cap(key):
            session.add(OutboxEmail(kind=EmailKind.SUBSCRIBE_CONFIRM, subscriber_id=subscriber.id))
    log.info("subscriber %s consented via %s", subscriber.id, source)
    return subscriber


def complained(subscriber: Subscriber) -> bool:
    """Suppressed because its owner reported our mail as spam."""
    return subscriber.status == SubscriberStatus.SUPPRESSED and (
        subscriber.suppressed_reason or ""
    ).startswith(COMPLAINED)


def _owned_by_someone(subscriber: Subscriber) -> bool:
    """Confirmed (its owner proved it), or suppressed by a person's decision
    (its owner's complaint, an admin's hand): only the owner may change it.
    A suppression the mail system made (an address that bounced) is lifted
    by fresh consent, which asks the inbox to confirm again."""
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return True
    return subscriber.status == SubscriberStatus.SUPPRESSED and not (
        subscriber.suppressed_reason or ""
    ).startswith(BOUNCED)


def _may_come_back(subscriber: Subscriber) -> bool:
    """A complainer's own proven consent lifts the suppression only after
    COMPLAINT_KEEPS_FOR; before that, only an admin can."""
    since = subscriber.suppressed_at
    return since is None or utcnow() - since >= COMPLAINT_KEEPS_FOR


def _confirm(subscriber: Subscriber) -> None:
    """They want alerts now (in the caller's transaction); the organisation's
    systems hear of it (app/webhooks/), once."""
    newly = subscriber.status != SubscriberStatus.CONFIRMED
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = subscriber.confirmed_at or utcnow()
    subscriber.unsubscribed_at = None
    if newly:
        if subscriber.id is None:
            db.session.flush()  # a new subscriber's id, for the announcement
        announce(db.session, Event.PERSON_SUBSCRIBED, subscriber_id=subscriber.id)


def _unsubscribe(subscriber: Subscriber) -> None:
    """No more alerts (in the caller's transaction); the organisation's
    systems hear of it if they heard of the subscription."""
    was_confirmed = subscriber.status == SubscriberStatus.CONFIRMED
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = utcnow()
    if was_confirmed:
        announce(db.session, Event.PERSON_UNSUBSCRIBED, subscriber_id=subscriber.id)


def confirm_subscription(token: str) -> Subscriber:
    """The confirmation link's button was pressed."""
    subscriber = subscriber_for(token, Purpose.CONFIRM_SUBSCRIPTION, CONFIRM_DAYS)
    with write_transaction() as session:
        subscriber = session.get(Subscriber, subscriber.id)
        if subscriber.status == SubscriberStatus.PENDING:
            _confirm(subscriber)
    return subscriber


def confirm_with_letter(letter_id: int) -> None:
    """A letter was confirmed: so is any subscription asked for with it (same transaction)."""
    rows = db.session.scalars(
        select(Subscriber)
        .join(Consent, Consent.subscriber_id == Subscriber.id)
        .where(Consent.letter_id == letter_id, Subscriber.status == SubscriberStatus.PENDING)
    )
    for subscriber in rows:
        _confirm(subscriber)


def unsubscribe(token: str) -> Subscriber:
    """One click, no sign-in, no cookies; doing it twice changes nothing."""
    subscriber = subscriber_for(token, Purpose.UNSUBSCRIBE)
    with write_transaction() as session:
        subscriber = session.get(Subscriber, subscriber.id)
        if subscriber.status in (SubscriberStatus.CONFIRMED, SubscriberStatus.PENDING):
            _unsubscribe(subscriber)
            log.info("subscriber %s unsubscribed", subscriber.id)
    return subscriber


def unsubscribe_by_id(subscriber_id: int) -> bool:
    """The organisation's own systems say they unsubscribed there (the OSDI
    API): honoured at once. False if they were not subscribed."""
    with write_transaction() as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.status != SubscriberStatus.CONFIRMED:
            return False
        _unsubscribe(subscriber)
        log.info("subscriber %s unsubscribed through the API", subscriber.id)
    return True


def send_fresh_preferences_link(subscriber: Subscriber) -> None:
    """A preferences link from an alert may have been forwarded: what it shows
    and changes beyond stopping alerts needs a fresh link, sent to the inbox."""
    if not within_cap(subscriber.email):
        return
    with write_transaction() as session:
        session.add(OutboxEmail(kind=EmailKind.PREFERENCES_LINK, subscriber_id=subscriber.id))


def update_preferences(token: str, *, subscribed: bool, postcode: str | None) -> Subscriber:
    """The fresh preferences page: stay subscribed (or come back, which is a
    new consent, recorded), and where they live."""
    subscriber = subscriber_for(token, Purpose.FRESH_PREFERENCES, FRESH_PREFERENCES_DAYS)
    placed_postcode, constituency_id = _constituency_for(postcode)
    with write_transaction() as session:
        subscriber = session.get(Subscriber, subscriber.id)
        if postcode is not None:
            subscriber.postcode = placed_postcode
            subscriber.constituency_id = constituency_id
            place(subscriber)
        if subscriber.status != SubscriberStatus.SUPPRESSED:
            if subscribed and subscriber.status != SubscriberStatus.CONFIRMED:
                _confirm(subscriber)  # the fresh link proves the address
                session.add(
                    Consent(subscriber_id=subscriber.id, source="settings",
                            wording=CONSENT_WORDING)
                )  # fmt: skip
            elif not subscribed and subscriber.status == SubscriberStatus.CONFIRMED:
                _unsubscribe(subscriber)
    return subscriber


def mark_suppressed(subscriber: Subscriber, reason: str) -> bool:
    """Suppress within the caller's transaction; True if it changed anything."""
    if subscriber.status == SubscriberStatus.SUPPRESSED:
        return False
    subscriber.status = SubscriberStatus.SUPPRESSED
    subscriber.suppressed_reason = reason[:120]
    subscriber.suppressed_at = utcnow()
    log.info("subscriber %s suppressed", subscriber.id)
    return True


def suppress(email: str, reason: str, admin=None) -> Subscriber | None:
    """Never mail this address again (a hard bounce, or a spam complaint)."""

    with write_transaction() as session:
        subscriber = session.scalar(
            select(Subscriber).where(Subscriber.email == normalise_email(email))
        )
        if subscriber is not None and mark_suppressed(subscriber, reason):
            audit.record(admin, "subscriber.suppressed", "subscriber", subscriber.id, reason)
    return subscriber


def lift_suppression(subscriber_id: int, admin) -> Subscriber | None:
    """An admin's decision that a suppressed address may be mailed again (the
    bounce was the site's fault, say). Back to confirmed if it ever was, else
    unsubscribed: nothing is sent that the person did not ask for."""

    with write_transaction() as session:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is None or subscriber.status != SubscriberStatus.SUPPRESSED:
            return None
        subscriber.status = (
            SubscriberStatus.CONFIRMED if subscriber.confirmed_at else SubscriberStatus.UNSUBSCRIBED
        )
        reason, subscriber.suppressed_reason = subscriber.suppressed_reason, None
        audit.record(
            admin, "subscriber.suppression_lifted", "subscriber", subscriber.id, reason or ""
        )
    return subscriber


def search(text: str = "", status: str | None = None, limit: int = 100) -> list[Subscriber]:
    query = select(Subscriber).order_by(Subscriber.id.desc()).limit(limit)
    if text:
        query = query.where(Subscriber.email.ilike(f"%{normalise_email(text)}%"))
    if status:
        query = query.where(Subscriber.status == status)
    return list(db.session.scalars(query))


# Transient failures in a row (bounce reports) after which a subscriber is
# suppressed; one delivered email starts the count again.
SOFT_BOUNCES_TO_SUPPRESS = 3


def book_report(row: OutboxEmail, verdict: BounceType, diagnostic: str) -> str:
    """What a bounce report of an email to a subscriber does to them
    (declared for their kinds in app/alerts/outbox.py): a dead address or a
    complaint suppresses them, transient failures only in a row, and a
    refusal for the site's reasons never counts against them."""
    subscriber = row.to_subscriber
    if subscriber is None:
        return "noted"
    if verdict == BounceType.SITE:
        return "refused for the site's reason: nothing booked on the subscriber"
    if verdict == BounceType.TRANSIENT:
        subscriber.soft_bounces = (subscriber.soft_bounces or 0) + 1
        if subscriber.soft_bounces < SOFT_BOUNCES_TO_SUPPRESS:
            return f"transient failure {subscriber.soft_bounces} counted"
    reason = {
        BounceType.RECIPIENT: f"bounced: {diagnostic}",
        BounceType.COMPLAINT: COMPLAINED,
        BounceType.TRANSIENT: f"{SOFT_BOUNCES_TO_SUPPRESS} transient failures in a row",
    }[verdict]
    if not mark_suppressed(subscriber, reason) and verdict == BounceType.COMPLAINT:
        subscriber.suppressed_reason = reason  # a complaint outweighs an earlier bounce
    return "subscriber suppressed"


def sign_up_writer(stored: StoredLetter) -> None:
    """A letter was stored whose writer asked for alerts (on_stored): record
    their consent, in the words the form showed, for the letter's
    confirmation to confirm (confirm_with_letter)."""
    if stored.wants_alerts:
        record_consent(
            stored.email, source="letter", campaign_id=stored.campaign_id,
            postcode=stored.postcode, constituency_id=stored.constituency_id,
            letter_id=stored.letter_id, wording=gettext(CONSENT_WORDING),
        )  # fmt: skip
