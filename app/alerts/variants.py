"""A/B tests of an alert's subject and body: who gets which, and which won.

An alert may have up to four variants: A (its own subject and body) and
B, C, D. With a test share (say 20%), the fan-out first queues that share
of the segment only, each with a variant; `test_hours` after the last of
them is queued, `decide_tests` picks the winner by **letters written per
recipient** (what the alert is for; clicks are shown, not used) and the
fan-out queues everyone else with the winner. Each subscriber is queued
once whatever happens: the recipient row is unique per alert and
subscriber, so the send stays resumable.

Who is in the test, and which variant they get, is a hash of the alert and
the subscriber: the same on every run and every worker, independent of
the order or batch they are met in, and fixed by nothing a person controls.

The decision, and how sure it is, is app/ab.py's: the same arithmetic
as the share page's tests.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.ab import VariantFigures, decide, draw
from app.alerts.models import Alert, AlertRecipient, AlertStatus
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter

TEST_SHARES = (10, 20, 30, 50)  # the shares of the segment an admin may test on


def in_test(alert: Alert, subscriber_id: int) -> bool:
    return draw(f"test:{alert.id}:{subscriber_id}") < alert.test_percent / 100


def variant_for(alert: Alert, subscriber_id: int) -> str:
    labels = labels_of(alert)
    return labels[int(draw(f"variant:{alert.id}:{subscriber_id}") * len(labels))]


def labels_of(alert: Alert) -> tuple[str, ...]:
    return ("A", *(variant.label for variant in alert.variants))


def figures(alert: Alert) -> list[VariantFigures]:
    """Each variant's recipients, clicks and letters (confirmed) so far."""
    recipients = dict(
        db.session.execute(
            select(AlertRecipient.variant, func.count())
            .where(AlertRecipient.alert_id == alert.id, AlertRecipient.tested)
            .group_by(AlertRecipient.variant)
        ).all()
    )
    clicked = dict(
        db.session.execute(
            select(AlertRecipient.variant, func.count())
            .where(
                AlertRecipient.alert_id == alert.id,
                AlertRecipient.tested,
                AlertRecipient.clicked_at.is_not(None),
            )
            .group_by(AlertRecipient.variant)
        ).all()
    )
    letters = dict(
        db.session.execute(
            select(Letter.alert_variant, func.count())
            .where(Letter.alert_id == alert.id, Letter.confirmed_at.is_not(None))
            .group_by(Letter.alert_variant)
        ).all()
    )
    return [
        VariantFigures(label, alert.content(label)[0], recipients.get(label, 0),
                       clicked.get(label, 0), letters.get(label, 0))
        for label in labels_of(alert)
    ]  # fmt: skip


def decide_tests(now=None) -> int:
    """The worker's job: tests whose time is up get their winner; the rest of
    their segment is then queued with it."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Alert.id).where(
            Alert.status == AlertStatus.SENDING,
            Alert.tested_at.is_not(None),
            Alert.winner.is_(None),
        )
    ).all()
    decided = 0
    for alert_id in due:
        with write_transaction() as session:
            alert = session.get_one(Alert, alert_id, with_for_update=True, populate_existing=True)
            if alert.winner is not None or alert.tested_at is None:
                continue
            if now < alert.tested_at + timedelta(hours=alert.test_hours):
                continue
            decision = decide(figures(alert))
            alert.winner = decision.winner
            alert.decision = decision.words
            alert.fan_out_cursor = 0  # the rest are queued from the start of the segment
            decided += 1
    return decided
