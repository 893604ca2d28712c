"""A/B tests of alerts: a share of the segment gets the variants, the data
choose the winner, the rest get it, and everyone gets one email."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.ab import VariantFigures, decide
from app.alerts import sending
from app.alerts.measuring import click_token, record_click
from app.alerts.models import Alert, AlertRecipient, AlertStatus, Subscriber, SubscriberStatus
from app.alerts.sending import AlertInvalid, Trial, fan_out
from app.alerts.variants import decide_tests, figures, in_test
from app.db import utcnow
from app.extensions import db
from app.outbox.models import EmailKind, OutboxEmail
from app.sharing.links import read_ref
from tests.builders.alerts import an_admin
from tests.builders.letters import NO_MODERATION, confirmed_letter, demo_campaign
from tests.builders.outbox import deliver, fresh

SUBJECT_A = "MPs vote on Thursday"
SUBJECT_B = "Your MP votes on Thursday: one minute to write"


def subscribers(count: int) -> list[int]:
    """Confirmed subscribers (clearly fictional addresses), made in bulk."""
    now = utcnow()
    people = [Subscriber(email=f"reader{n}@example.com", status=SubscriberStatus.CONFIRMED,
                         created_at=now, confirmed_at=now) for n in range(count)]  # fmt: skip
    db.session.add_all(people)
    db.session.commit()
    return [p.id for p in people]


def alert_with_a_test(admin, percent=20, hours=1) -> Alert:
    return sending.save_alert(
        admin, None, campaign_id=demo_campaign().id, subject=SUBJECT_A,
        body_markdown="The vote is **this week**.", call_to_action="Write to your MP",
        segment="all", trial=Trial({"B": (SUBJECT_B, "It takes a minute. **Write now.**")},
                                   percent, hours),
    )  # fmt: skip


def figures_of(*rows) -> list[VariantFigures]:
    return [VariantFigures(label, label, n, 0, letters) for label, n, letters in rows]


def test_the_data_favour_a_clear_winner():
    decision = decide(figures_of(("A", 100, 2), ("B", 100, 20)))
    assert decision.winner == "B"
    assert decision.clear
    assert decision.words.startswith("B is a clear winner (p = 0.000")
    assert "A: 2 letters from 100 recipients (2.0%)" in decision.words


def test_a_small_lead_is_not_called_a_win():
    decision = decide(figures_of(("A", 100, 5), ("B", 100, 7)))
    assert decision.winner == "B"
    assert not decision.clear
    assert decision.words.startswith(
        "No clear winner: B leads, but a lead this size could be chance"
    )


def test_more_variants_need_a_bigger_lead():
    """Three comparisons: each must be below 5%/3 (Bonferroni)."""
    two = decide(figures_of(("A", 300, 10), ("B", 300, 21)))
    four = decide(figures_of(("A", 300, 10), ("B", 300, 21), ("C", 300, 19), ("D", 300, 11)))
    assert two.clear
    assert not four.clear
    assert "below 0.017" in four.words


def test_no_letters_at_all_keep_the_original():
    decision = decide(figures_of(("A", 100, 0), ("B", 100, 0)))
    assert (decision.winner, decision.clear) == ("A", False)


def test_a_thousand_subscribers_each_get_one_email_and_the_rest_get_the_winner(
    make_app, mail_server
):
    app = make_app(MAIL_PORT=mail_server.port, ALERT_SEND_RATE=0, **NO_MODERATION)
    with app.app_context():
        ids = subscribers(1000)
        admin = an_admin()
        alert = alert_with_a_test(admin)
        sending.start_sending(alert, admin)
        deliver()

        test_group = db.session.scalars(
            select(AlertRecipient).where(AlertRecipient.alert_id == alert.id)
        ).all()
        alert = fresh(db.session.get(Alert, alert.id))
        assert alert.tested_at is not None
        assert alert.queued_at is None  # the rest wait for the winner
        assert 150 < len(test_group) < 250  # 20% of 1,000
        assert {r.subscriber_id for r in test_group} == {i for i in ids if in_test(alert, i)}
        split = Counter(r.variant for r in test_group)
        assert set(split) == {"A", "B"}
        assert abs(split["A"] - split["B"]) < 0.3 * len(test_group)
        assert len(mail_server.messages) == len(test_group)

        # Readers click through and write: B's readers far more often (a fixed seed).
        chance = random.Random(2026)
        for n, recipient in enumerate(test_group):
            if chance.random() < (0.30 if recipient.variant == "B" else 0.03):
                landing = record_click(click_token(recipient.id))
                confirmed_letter(email=f"writer{n}@example.com", name=f"Writer {n}",
                                 attribution=read_ref(landing.ref))  # fmt: skip
        assert decide_tests(now=utcnow()) == 0  # not before its hours are up
        assert decide_tests(now=utcnow() + timedelta(hours=1, minutes=1)) == 1
        alert = fresh(alert)
        assert alert.winner == "B"
        assert alert.decision.startswith("B is a clear winner")
        by_label = {v.label: v for v in figures(alert)}
        assert by_label["B"].rate > by_label["A"].rate
        assert by_label["B"].letters > 0

        deliver()
        alert = fresh(alert)
        assert alert.status == AlertStatus.SENT
        alerts_sent = [m for m in mail_server.messages if "reader" in m["To"]]
        per_person = Counter(m["To"] for m in alerts_sent)
        assert len(per_person) == 1000
        assert set(per_person.values()) == {1}  # one email each
        rest = [m for m in alerts_sent if m["Subject"] == SUBJECT_B]
        assert len(rest) == 1000 - split["A"]  # the winner to everyone but A's test readers
        rows = db.session.scalar(
            select(func.count()).where(OutboxEmail.alert_id == alert.id,
                                       OutboxEmail.kind == EmailKind.ALERT)
        )  # fmt: skip
        assert rows == 1000
        # The report stays the test's: the rest, sent B after it, are not in B's figures.
        after = {v.label: v for v in figures(alert)}
        assert after["A"].shown + after["B"].shown == len(test_group)
        assert (after["B"].letters, after["B"].shown) == (
            by_label["B"].letters,
            by_label["B"].shown,
        )


def test_the_test_resumes_after_a_crash_and_waits_for_its_winner(make_app):
    app = make_app(ALERT_SEND_RATE=0)
    with app.app_context():
        subscribers(300)
        admin = an_admin()
        alert = alert_with_a_test(admin, percent=50)
        sending.start_sending(alert, admin)
        while fan_out(batch=37):  # small batches, as if the worker stopped between each
            pass
        queued = db.session.scalar(select(func.count()).where(AlertRecipient.alert_id == alert.id))
        assert 100 < queued < 200
        assert fan_out(batch=37) == 0  # waiting for the decision, not queuing the rest
        decide_tests(now=utcnow() + timedelta(hours=2))
        while fan_out(batch=37):
            pass
        pairs = db.session.execute(
            select(AlertRecipient.subscriber_id, func.count())
            .where(AlertRecipient.alert_id == alert.id)
            .group_by(AlertRecipient.subscriber_id)
        ).all()
        assert len(pairs) == 300
        assert {count for _, count in pairs} == {1}
        assert db.session.get(Alert, alert.id).winner == "A"  # no letters: the original


def test_an_admin_sets_up_a_test_and_reads_its_report(app, admin_client):
    page = admin_client.post("/admin/alerts/new", data={
        "campaign": "mp-expenses", "subject": SUBJECT_A, "body_markdown": "Text",
        "call_to_action": "Write", "segment": "all", "test_percent": "20",
    })  # fmt: skip
    assert page.status_code == 422
    assert "A test needs at least one more variant (B) to compare." in page.get_data(as_text=True)
    saved = admin_client.post("/admin/alerts/new", data={
        "campaign": "mp-expenses", "subject": SUBJECT_A, "body_markdown": "Text",
        "call_to_action": "Write", "segment": "all", "test_percent": "20", "test_hours": "6",
        "subject_b": SUBJECT_B, "body_b": "Other text",
    })  # fmt: skip
    assert saved.status_code == 303
    alert = db.session.scalar(select(Alert))
    assert (alert.test_percent, alert.test_hours) == (20, 6)
    assert alert.content("B") == (SUBJECT_B, "Other text")
    edit = admin_client.get(f"/admin/alerts/{alert.id}").get_data(as_text=True)
    assert f'value="{SUBJECT_B}"' in edit
    subscribers(10)
    sending.start_sending(alert, admin_client.admin)
    fan_out()
    report = admin_client.get(f"/admin/alerts/{alert.id}").get_data(as_text=True)
    assert "A/B test: 20% of the segment, winner by letters written per recipient" in report
    assert SUBJECT_B in report


def test_a_variant_needs_a_subject(app):
    with pytest.raises(AlertInvalid) as refused:
        sending.save_alert(
            an_admin(), None, campaign_id=demo_campaign().id, subject=SUBJECT_A,
            body_markdown="", call_to_action="", segment="all",
            trial=Trial({"B": ("", "A body with no subject")}, 20, 24),
        )  # fmt: skip
    assert refused.value.fields["subject_b"] == "Give variant B a subject too."
