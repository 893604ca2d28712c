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

The decision says how sure it is. The best variant is compared with each
other one (a one-sided two-proportion z-test, with Bonferroni's correction
for the comparisons); only when every comparison is below 5% is it called
a clear winner. Otherwise the report says the difference may be chance,
and the rest still get the variant the data favour so far.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.alerts.models import Alert, AlertRecipient, AlertStatus
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter

LABELS = ("A", "B", "C", "D")
TEST_SHARES = (10, 20, 30, 50)  # the shares of the segment an admin may test on
SIGNIFICANCE = 0.05


def _draw(purpose: str, alert_id: int, subscriber_id: int) -> float:
    digest = hashlib.blake2b(f"{purpose}:{alert_id}:{subscriber_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") / 2**64


def in_test(alert: Alert, subscriber_id: int) -> bool:
    return _draw("test", alert.id, subscriber_id) < alert.test_percent / 100


def variant_for(alert: Alert, subscriber_id: int) -> str:
    labels = labels_of(alert)
    return labels[int(_draw("variant", alert.id, subscriber_id) * len(labels))]


def labels_of(alert: Alert) -> tuple[str, ...]:
    return ("A", *(variant.label for variant in alert.variants))


@dataclass(frozen=True)
class VariantFigures:
    label: str
    subject: str
    recipients: int
    clicked: int
    letters: int

    @property
    def rate(self) -> float:
        """Letters written per recipient: the measure the winner is chosen by."""
        return self.letters / self.recipients if self.recipients else 0.0


def figures(alert: Alert) -> list[VariantFigures]:
    """Each variant's recipients, clicks and letters (confirmed) so far."""
    recipients = dict(
        db.session.execute(
            select(AlertRecipient.variant, func.count())
            .where(AlertRecipient.alert_id == alert.id, AlertRecipient.variant.is_not(None))
            .group_by(AlertRecipient.variant)
        ).all()
    )
    clicked = dict(
        db.session.execute(
            select(AlertRecipient.variant, func.count())
            .where(AlertRecipient.alert_id == alert.id, AlertRecipient.clicked_at.is_not(None))
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


@dataclass(frozen=True)
class Decision:
    winner: str
    clear: bool
    words: str


def _p_value(best: VariantFigures, other: VariantFigures) -> float:
    """One-sided: the chance of a lead this large if the two were equally good."""
    n1, n2 = best.recipients, other.recipients
    if not n1 or not n2:
        return 1.0
    pooled = (best.letters + other.letters) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = (best.rate - other.rate) / spread
    return 0.5 * math.erfc(z / math.sqrt(2))


def decide(found: list[VariantFigures]) -> Decision:
    """The variant the data favour, and how sure that is, in words."""
    if not any(variant.letters for variant in found):
        return Decision(
            "A", False,
            "No clear winner: no variant has led to a letter yet, so the rest get A, the"
            " original.",
        )  # fmt: skip
    best = max(found, key=lambda variant: (variant.rate, -LABELS.index(variant.label)))
    others = [variant for variant in found if variant is not best]
    threshold = SIGNIFICANCE / max(len(others), 1)
    worst_p = max((_p_value(best, other) for other in others), default=1.0)
    figures_text = "; ".join(
        f"{v.label}: {v.letters} letters from {v.recipients} recipients ({v.rate:.1%})"
        for v in found
    )
    if worst_p < threshold:
        return Decision(
            best.label, True,
            f"{best.label} is a clear winner (p = {worst_p:.3f} against the nearest, below"
            f" {threshold:.3f}): {figures_text}. The rest get {best.label}.",
        )  # fmt: skip
    return Decision(
        best.label, False,
        f"No clear winner: {best.label} leads, but a lead this size could be chance"
        f" (p = {worst_p:.2f}; it would need to be below {threshold:.3f}): {figures_text}."
        f" The rest get {best.label}, the best so far.",
    )  # fmt: skip


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
            alert = session.get_one(Alert, alert_id, with_for_update=True)
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
