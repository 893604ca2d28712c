"""Strangers at our forms: they cannot change someone else's subscription,
lift a complainer's suppression, or fill one inbox from our domain, and the
answer they get says nothing of whether an address is known."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts.models import Subscriber, SubscriberStatus
from app.alerts.subscribers import COMPLAINT_KEEPS_FOR, mark_suppressed, record_consent
from app.db import utcnow
from app.extensions import db
from app.outbox.models import EmailKind, OutboxEmail
from tests.builders.alerts import subscriber

CAP = "3/day"


@pytest.fixture
def capped(make_app):
    app = make_app(MAIL_TO_UNTRUSTED_ADDRESS=CAP)
    with app.app_context():
        yield app


def emails(kind: EmailKind) -> int:
    return db.session.scalar(select(func.count()).where(OutboxEmail.kind == kind))


def person(email: str) -> Subscriber:
    db.session.expire_all()
    return db.session.scalar(select(Subscriber).where(Subscriber.email == email))


def from_address(app, n: int):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.20.0.{n}"
    return client


def test_a_stranger_cannot_change_a_subscribers_postcode(capped):
    owner = subscriber("owner@example.com", postcode="TE1 1AA")
    before = (owner.postcode, owner.constituency_id)
    for n in range(3):
        answer = from_address(capped, n).post(
            "/alerts", data={"email": "owner@example.com", "postcode": "TE2 2BB"}
        )
        assert answer.status_code == 303  # to "check your email", as for anyone
    now = person("owner@example.com")
    assert (now.postcode, now.constituency_id) == before
    assert now.status == SubscriberStatus.CONFIRMED
    assert emails(EmailKind.PREFERENCES_LINK) == 1  # the owner told, once a day at most
    assert emails(EmailKind.SUBSCRIBE_CONFIRM) == 0


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(capped):
    subscriber("owner@example.com", postcode="TE1 1AA")
    client = capped.test_client()
    known = client.post("/alerts", data={"email": "owner@example.com"})
    unknown = client.post("/alerts", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)


def test_a_complainer_is_never_mailed_on_a_strangers_word(capped):
    owner = subscriber("complainer@example.com")
    mark_suppressed(db.session.get(Subscriber, owner.id), "complained of spam")
    db.session.commit()
    for n in range(3):
        from_address(capped, n).post("/alerts", data={"email": "complainer@example.com"})
        from_address(capped, n).post("/your-data", data={"email": "complainer@example.com"})
    assert person("complainer@example.com").status == SubscriberStatus.SUPPRESSED
    assert emails(EmailKind.SUBSCRIBE_CONFIRM) == emails(EmailKind.PREFERENCES_LINK) == 0


def test_a_complainer_comes_back_only_by_their_own_proof_after_the_period(capped):
    owner = subscriber("complainer@example.com")
    mark_suppressed(db.session.get(Subscriber, owner.id), "complained of spam")
    db.session.commit()
    record_consent("complainer@example.com", source="letter", verified=True)
    assert person("complainer@example.com").status == SubscriberStatus.SUPPRESSED
    db.session.get(Subscriber, owner.id).suppressed_at = utcnow() - COMPLAINT_KEEPS_FOR
    db.session.commit()
    record_consent("complainer@example.com", source="letter", verified=True)
    assert person("complainer@example.com").status == SubscriberStatus.CONFIRMED


@pytest.mark.parametrize(
    ("form", "kind"),
    [("/your-data", EmailKind.DATA_LINK), ("/alerts", EmailKind.SUBSCRIBE_CONFIRM)],
)
def test_twenty_client_addresses_cannot_fill_one_inbox(capped, form, kind):
    answers = {
        from_address(capped, n)
        .post(form, data={"email": "target@example.com"})
        .get_data(as_text=True)
        for n in range(20)
    }
    assert len(answers) == 1  # the same answer every time, cap or no cap
    assert emails(kind) == 3  # MAIL_TO_UNTRUSTED_ADDRESS


def test_the_cap_is_per_address(capped):
    for n in range(4):
        from_address(capped, n).post("/your-data", data={"email": "one@example.com"})
    from_address(capped, 9).post("/your-data", data={"email": "two@example.com"})
    rows = db.session.scalars(select(OutboxEmail.to_address)).all()
    assert rows.count("one@example.com") == 3
    assert rows.count("two@example.com") == 1


def test_an_admins_suppression_holds_against_a_stranger(capped):
    owner = subscriber("told-us@example.com")
    mark_suppressed(db.session.get(Subscriber, owner.id), "asked by telephone never to be mailed")
    db.session.commit()
    capped.test_client().post("/alerts", data={"email": "told-us@example.com"})
    assert person("told-us@example.com").status == SubscriberStatus.SUPPRESSED
    assert emails(EmailKind.SUBSCRIBE_CONFIRM) == emails(EmailKind.PREFERENCES_LINK) == 0


def test_a_complaint_after_a_bounce_is_remembered_as_a_complaint(capped):
    from app.bounces.handling import handle
    from app.bounces.models import BounceType
    from app.bounces.reports import Report

    owner = subscriber("late@example.com")
    mark_suppressed(db.session.get(Subscriber, owner.id), "bounced: 550 mailbox unavailable")
    row = OutboxEmail(kind=EmailKind.SUBSCRIBE_CONFIRM, subscriber_id=owner.id)
    db.session.add(row)
    db.session.commit()
    handle(Report(row.id, BounceType.COMPLAINT, "complaint: abuse"))
    assert person("late@example.com").suppressed_reason.startswith("complained")


def test_twenty_client_addresses_cannot_resend_a_letters_confirmation_at_will(capped):
    from tests.builders.letters import LETTER

    answers = set()
    for n in range(20):
        client = from_address(capped, n)
        ticket = client.get("/api/v1/campaigns/mp-expenses").get_json()["form_ticket"]
        answer = client.post(
            "/api/v1/campaigns/mp-expenses/messages",
            json={**LETTER, "email": "target@example.com", "form_ticket": ticket},
        )
        answers.add((answer.status_code, answer.get_data(as_text=True)))
    assert len(answers) == 1  # the same answer every time, cap or no cap
    db.session.commit()
    assert emails(EmailKind.CONFIRMATION) == 1 + 3  # the first, then MAIL_TO_UNTRUSTED_ADDRESS
