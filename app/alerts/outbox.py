"""Alerts' emails and periodic jobs, as the outbox runs them."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from app.alerts import emails
from app.alerts.models import Alert, AlertRecipient
from app.alerts.places import place_unplaced
from app.alerts.sending import fan_out, finish_alerts
from app.alerts.subscribers import book_report, confirm_with_letter, sign_up_writer
from app.alerts.variants import decide_tests
from app.alerts.webhooks import person_data
from app.letters import submission
from app.outbox import jobs, kinds
from app.outbox.kinds import Addressee
from app.outbox.models import EmailKind, OutboxEmail
from app.webhooks.delivery import declare_event
from app.webhooks.models import Event


def to_subscriber(row: OutboxEmail) -> Addressee | None:
    """A subscriber's email, named on the row or through the alert's recipient."""
    subscriber = row.to_subscriber
    return Addressee(subscriber.email, subscriber.language) if subscriber is not None else None


def loading(alerts: bool | None) -> list:
    """An alert is built from its recipient, their subscriber and the alert's
    campaign; other mail names a subscriber on the row."""
    recipient = selectinload(OutboxEmail.alert_recipient)
    options = [
        recipient.selectinload(AlertRecipient.subscriber),
        recipient.selectinload(AlertRecipient.alert).selectinload(Alert.campaign),
        recipient.selectinload(AlertRecipient.alert).selectinload(Alert.variants),
    ]
    return options if alerts else [*options, selectinload(OutboxEmail.subscriber)]


def register() -> None:
    # A permanent failure on alert mail suppresses the subscriber.
    # A bounce report on a subscriber's email is booked on them (book_report).
    kinds.declare(EmailKind.SUBSCRIBE_CONFIRM, kinds.Kind(
        emails.subscribe_confirm, addressee=to_subscriber, on_failed=emails.bounced,
        on_report=book_report,
    ))  # fmt: skip
    kinds.declare(EmailKind.ALERT, kinds.Kind(
        emails.alert, addressee=to_subscriber, on_failed=emails.bounced, bulk=True,
        on_report=book_report,
    ))  # fmt: skip
    kinds.declare(EmailKind.ALERT_TEST, kinds.Kind(emails.alert_test, in_english=True))
    kinds.declare(EmailKind.PREFERENCES_LINK, kinds.Kind(
        emails.preferences_link, addressee=to_subscriber, on_report=book_report,
    ))  # fmt: skip
    for event in (Event.PERSON_SUBSCRIBED, Event.PERSON_UNSUBSCRIBED):
        declare_event(event, person_data)
    kinds.declare_loading(loading)
    # A writer may ask for alerts with their letter; its confirmation confirms it.
    submission.on_stored("alerts", sign_up_writer)
    submission.on_confirmed("alerts", confirm_with_letter)
    # Alerts start within a second of pressing Send; each check is one cheap query.
    jobs.declare(fan_out, 1)
    jobs.declare(finish_alerts, 5)
    # An A/B test's time is up: its winner goes to the rest (app/alerts/variants.py).
    jobs.declare(decide_tests, 60)
    # Subscribers' councils, counties and wards, for segments by target.
    jobs.declare(place_unplaced, 300)
