"""Mailgun's signed webhook (app/bounces/mailgun.py, POST /bounces/mailgun):
what a genuine failure or complaint does, and every way an event is refused
(bad signature 403, stale 403, replayed 406, not ours 406, malformed 400),
never with a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.alerts.models import SubscriberStatus
from app.bounces.models import Bounce, BounceType, WebhookToken
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.outbox.mime import message_id
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.outbox.return_path import outbox_signature
from tests.bounces.signers import MAILGUN_KEY, mailgun_event
from tests.builders.alerts import alert_sending_to, an_admin, subscriber
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh, outbox_row
from tests.builders.settings import ROOT

URL = "/bounces/mailgun"
DOMAIN = "writetoyourmp.test"  # the site's sender's, in the tests' settings
USER_UNKNOWN = "5.1.1 <alice.able.mp@parliament.uk>: Recipient address rejected: User unknown"


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY,
                   **NO_MODERATION)  # fmt: skip
    with app.app_context():
        yield app


def failed(*, message_id: str | None = None, variables: dict | None = None,
           severity: str = "permanent", reason: str = "bounce", code: int = 550,
           message: str = USER_UNKNOWN, enhanced: str = "5.1.1") -> dict:  # fmt: skip
    """A `failed` event's data, in the shape of Mailgun's documented example."""
    event = {
        "event": "failed", "severity": severity, "reason": reason, "log-level": "error",
        "id": "G9Bn5sl1TC6nu79C8C0bwg", "timestamp": time.time(), "recipient": MP_ADDRESS,
        "envelope": {"sender": "bounce@mg.example.org", "targets": MP_ADDRESS,
                     "transport": "smtp"},
        "message": {"headers": {"to": MP_ADDRESS, "from": f"noreply@{DOMAIN}",
                                "subject": "Please publish MPs' expenses"},
                    "attachments": [], "size": 1234},
        "delivery-status": {"attempt-no": 1, "code": code, "message": message,
                            "description": "", "enhanced-code": enhanced,
                            "mx-host": "mx.parliament.uk", "session-seconds": 0.1},
        "flags": {"is-routed": False, "is-authenticated": True, "is-test-mode": False},
        "tags": [], "campaigns": [],
    }  # fmt: skip
    if message_id is not None:
        event["message"]["headers"]["message-id"] = message_id
    if variables is not None:
        event["user-variables"] = variables
    return event


def complained(row: OutboxEmail) -> dict:
    return {"event": "complained", "recipient": "reader@example.com", "timestamp": time.time(),
            "message": {"headers": {"message-id": bare_id(row)}}}  # fmt: skip


def bare_id(row: OutboxEmail) -> str:
    """The Message-ID as Mailgun reports it: without its angle brackets."""
    return message_id(row, DOMAIN).strip("<>")


def post(site, body):
    client = site.test_client()
    if isinstance(body, bytes):
        return client.post(URL, data=body, content_type="application/json")
    return client.post(URL, json=body)


def delivered_letter(mail_server):
    letter = confirmed_letter()
    deliver()
    [sent] = mail_server.to(MP_ADDRESS)
    return letter, outbox_row(letter), sent


def bounces() -> int:
    return db.session.scalar(select(func.count()).select_from(Bounce))


def email_for(person) -> OutboxEmail:
    row = OutboxEmail(kind=EmailKind.SUBSCRIBE_CONFIRM, subscriber_id=person.id,
                      status=OutboxStatus.SENT)  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("named_by", ["message-id", "variables", "both"])
def test_a_signed_permanent_failure_fails_the_letter_and_flags_the_mp(site, mail_server, named_by):
    letter, row, sent = delivered_letter(mail_server)
    # What the email carried, as Mailgun hands it back.
    variables = json.loads(sent["X-Mailgun-Variables"])
    assert variables == {"outbox_id": str(row.id), "sig": outbox_signature(row.id)}
    reference = sent["Message-ID"].strip("<>")
    event = failed(
        message_id=reference if named_by != "variables" else None,
        variables=variables if named_by != "message-id" else None,
    )
    response = post(site, mailgun_event(event))
    assert response.status_code == 200
    assert response.json["outcome"] == "letter failed; writer told; MP's address flagged"
    letter = fresh(letter)
    assert letter.status == LetterStatus.FAILED
    assert letter.mp.bounced_address == MP_ADDRESS
    bounce = db.session.scalar(select(Bounce))
    assert (bounce.outbox_email_id, bounce.type) == (row.id, BounceType.RECIPIENT)
    assert bounce.diagnostic == "550 5.1.1 <address>: Recipient address rejected: User unknown"
    assert MP_ADDRESS not in bounce.diagnostic


def test_emails_carry_mailgun_variables_only_when_its_webhook_is_set_up(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        _, _, sent = delivered_letter(mail_server)
        assert sent["X-Mailgun-Variables"] is None
        app.config["MAILGUN_WEBHOOK_SIGNING_KEY"] = MAILGUN_KEY
        admin = an_admin()
        alert_sending_to(admin, ["reader@example.com"])
        deliver()  # queues the alert's copy
        deliver()  # and sends it
        [copy] = mail_server.to("reader@example.com")
        row = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == EmailKind.ALERT))
        assert json.loads(copy["X-Mailgun-Variables"]) == {
            "outbox_id": str(row.id),
            "sig": outbox_signature(row.id),
        }
        assert copy["Message-ID"].startswith(f"<alert.{row.id}.{row.message_token}@")


def test_a_complaint_suppresses_the_subscriber(site):
    person = subscriber("reader@example.com")
    response = post(site, mailgun_event(complained(email_for(person))))
    assert response.status_code == 200
    assert response.json["outcome"] == "subscriber suppressed"
    assert fresh(person).status == SubscriberStatus.SUPPRESSED


def test_a_temporary_failure_is_a_warning_and_the_permanent_one_after_it_acts(site, mail_server):
    """Mailgun tries again after a temporary failure, and reports a permanent
    one if it gives up: only that one is acted on (each email is acted on once)."""
    letter, _, sent = delivered_letter(mail_server)
    reference = sent["Message-ID"].strip("<>")
    busy = failed(message_id=reference, severity="temporary", reason="generic", code=451,
                  message="4.2.1 Mailbox busy, try again later", enhanced="4.2.1")  # fmt: skip
    response = post(site, mailgun_event(busy))
    assert (response.status_code, response.json["outcome"]) == (200, "ignored: not a failure")
    assert fresh(letter).status == LetterStatus.SENT
    assert bounces() == 0
    response = post(site, mailgun_event(failed(message_id=reference)))
    assert fresh(letter).status == LetterStatus.FAILED


@pytest.mark.parametrize(
    ("reason", "code", "words", "enhanced", "verdict"),
    [
        ("bounce", 550, "5.1.1 No such user", "5.1.1", BounceType.RECIPIENT),
        ("suppress-bounce", 605, "Not delivering to previously bounced address", "",
         BounceType.RECIPIENT),
        ("suppress-complaint", 607, "Not delivering to a user who marked your messages as spam",
         "", BounceType.COMPLAINT),
        ("espblock", 554, "5.7.1 Service unavailable; client host blocked", "5.7.1",
         BounceType.SITE),
        ("generic", 552, "5.2.2 Mailbox full", "5.2.2", BounceType.TRANSIENT),
        ("old", 421, "4.4.2 Too old: could not deliver for 8 hours", "4.4.2",
         BounceType.TRANSIENT),
    ],
)  # fmt: skip
def test_mailgun_reason_and_the_server_words_decide_whose_fault_it_was(
    site, reason, code, words, enhanced, verdict
):
    row = email_for(subscriber("reader@example.com"))
    event = failed(message_id=bare_id(row), reason=reason, code=code, message=words,
                   enhanced=enhanced)  # fmt: skip
    assert post(site, mailgun_event(event)).status_code == 200
    assert db.session.scalar(select(Bounce.type)) == verdict


def test_other_events_are_taken_and_change_nothing(site):
    row = email_for(subscriber("reader@example.com"))
    for kind in ("delivered", "opened", "accepted", "unsubscribed", None):
        event = {"event": kind, "message": {"headers": {"message-id": bare_id(row)}}}
        response = post(site, mailgun_event(event))
        assert (response.status_code, response.json["outcome"]) == (200, "ignored: not a failure")
    assert bounces() == 0


def signed_otherwise(**changes) -> dict:
    body = mailgun_event({"event": "delivered"})
    body["signature"].update(changes)
    return body


@pytest.mark.parametrize(
    "body",
    [
        mailgun_event({"event": "delivered"}, key="key-someone-else"),
        signed_otherwise(signature="0" * 64),
        signed_otherwise(signature="é" * 64),  # not even ASCII
        signed_otherwise(signature=""),
        signed_otherwise(token="another-token-than-the-one-signed"),
    ],
    ids=["other-key", "zeros", "non-ascii", "empty", "token-changed"],
)
def test_a_bad_signature_is_refused(site, body):
    response = post(site, body)
    assert response.status_code == 403
    assert response.json["error"]["message"] == "Not accepted: bad signature."


def test_a_changed_timestamp_breaks_the_signature(site):
    body = mailgun_event({"event": "delivered"})
    body["signature"]["timestamp"] = str(int(body["signature"]["timestamp"]) + 1)
    assert post(site, body).status_code == 403


def test_nothing_is_taken_while_no_key_is_set(make_app):
    app = make_app()
    with app.app_context():
        response = post(app, mailgun_event({"event": "delivered"}))
        assert response.status_code == 403
        assert response.json["error"]["message"] == "Not accepted: no signing key is configured."


@pytest.mark.parametrize("seconds", [-301, 301, -3600, 10**9])
def test_a_stale_or_future_timestamp_is_refused(site, seconds):
    body = mailgun_event({"event": "delivered"}, timestamp=int(time.time()) + seconds)
    response = post(site, body)
    assert response.status_code == 403
    assert response.json["error"]["message"] == "Not accepted: stale timestamp."


def test_a_timestamp_within_the_window_is_taken(site):
    for seconds in (-295, 295):
        body = mailgun_event({"event": "delivered"}, timestamp=int(time.time()) + seconds)
        assert post(site, body).status_code == 200


def test_a_replayed_token_is_refused_even_with_other_event_data(site, mail_server):
    letter, _, sent = delivered_letter(mail_server)
    person = subscriber("reader@example.com")
    other = email_for(person)
    first = mailgun_event(failed(message_id=sent["Message-ID"].strip("<>")))
    assert post(site, first).status_code == 200
    assert fresh(letter).status == LetterStatus.FAILED
    response = post(site, first)  # the same body again
    assert response.status_code == 406
    assert response.json["error"]["message"] == "Not accepted: token seen before."
    # Mailgun signs the timestamp and token only: a captured signature with
    # another event is a replay too.
    replayed = {"signature": first["signature"], "event-data": complained(other)}
    assert post(site, replayed).status_code == 406
    assert fresh(person).status == SubscriberStatus.CONFIRMED
    assert bounces() == 1


def test_spent_tokens_are_forgotten_once_out_of_the_window(site):
    db.session.add(WebhookToken(digest="0" * 64, expires_at=utcnow() - timedelta(seconds=1)))
    db.session.add(WebhookToken(digest="1" * 64, expires_at=utcnow() + timedelta(minutes=1)))
    db.session.commit()
    assert post(site, mailgun_event({"event": "delivered"})).status_code == 200
    digests = set(db.session.scalars(select(WebhookToken.digest)))
    assert "0" * 64 not in digests
    assert "1" * 64 in digests
    assert len(digests) == 2  # the one kept, and the one just spent


def test_an_event_about_no_email_of_ours_is_rejected(site, mail_server):
    letter, row, sent = delivered_letter(mail_server)
    reference = sent["Message-ID"].strip("<>")
    kind, number, token = reference.split("@")[0].split(".")
    genuine = {"outbox_id": str(row.id), "sig": outbox_signature(row.id)}
    forged = [
        failed(variables={"outbox_id": str(row.id), "sig": "0" * 12}),  # a forged signature
        failed(variables={"outbox_id": str(row.id)}),  # none
        failed(variables={"outbox_id": "99999", "sig": outbox_signature(99999)}),  # no such row
        failed(variables={"outbox_id": row.id + 0.5, "sig": genuine["sig"]}),
        failed(variables=["not", "a", "dict"]),
        failed(message_id=f"{kind}.{number}.{'0' * 32}@{DOMAIN}"),  # another install's row
        failed(message_id=f"{kind}.99999.{token}@{DOMAIN}"),  # no such row
        # A Message-ID of ours in shape decides alone, whatever the variables say.
        failed(message_id=f"{kind}.{number}.{'0' * 32}@{DOMAIN}", variables=genuine),
        failed(message_id="20260101120000.1.2@mg.example.org"),  # Mailgun's own, and no variables
        failed(),  # nothing names an email
        {"event": "complained", "message": "not a dict", "user-variables": 5},
    ]
    for event in forged:
        response = post(site, mailgun_event(event))
        assert response.status_code == 406, event
        assert response.json["error"]["message"] == "Not accepted: not about an email of ours."
    assert fresh(letter).status == LetterStatus.SENT
    assert bounces() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"null",
        b"{}",
        {"event-data": {"event": "failed"}},
        {"signature": "abc", "event-data": {}},
        {"signature": {"timestamp": "1", "token": "t"}, "event-data": {}},
        {"signature": {"timestamp": "soon", "token": "t", "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": "-1", "token": "t", "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": True, "token": "t", "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": "1" * 40, "token": "t", "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": "1", "token": "t" * 201, "signature": "s"},
         "event-data": {}},
        {"signature": {"timestamp": "1", "token": "", "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": "1", "token": 5, "signature": "s"}, "event-data": {}},
        {"signature": {"timestamp": "1", "token": "t", "signature": 5}, "event-data": {}},
        {"signature": {"timestamp": "1", "token": "t", "signature": "s"}, "event-data": []},
    ],
)  # fmt: skip
def test_a_malformed_body_is_400(site, body):
    response = post(site, body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"


@pytest.mark.parametrize(
    "event",
    [
        {"event": "failed", "severity": "permanent", "delivery-status": "x", "message": []},
        {"event": "failed", "message": {"headers": {"message-id": 5}}},
        {"event": "failed", "message": {"headers": []}},
        {"event": ["failed"], "severity": {"x": 1}},
        {"event": "failed", "user-variables": {"outbox_id": "1" * 40, "sig": "x"}},
        {"event": "failed", "user-variables": {"outbox_id": "١٢", "sig": "x"}},  # Arabic digits
        {"event": "complained", "message": {"headers": {"message-id": "<" * 10_000}}},
    ],
)
def test_odd_events_signed_with_our_key_are_never_a_500(site, event):
    response = post(site, mailgun_event(event))
    assert response.status_code in (200, 406)


def test_a_permanent_failure_with_an_odd_delivery_status_is_still_taken(site, mail_server):
    _, row, sent = delivered_letter(mail_server)
    event = failed(message_id=sent["Message-ID"].strip("<>"))
    event["delivery-status"] = {"code": None, "message": None, "enhanced-code": 5}
    response = post(site, mailgun_event(event))
    assert response.status_code == 200
    # A permanent failure that names no cause: app/outbox/verdicts.py decides.
    assert db.session.scalar(select(Bounce.outbox_email_id)) == row.id


def test_the_verification_example_in_the_documentation():
    """docs/deliverability.md, Mailgun: its key, timestamp and token give its signature."""
    key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
    timestamp, token = "1765100000", "c0ffee7d1d9a3c2ce0bdd1c5b5f0e1a2b3c4d5e6f708192a3b"
    docs = (ROOT / "docs" / "deliverability.md").read_text()
    assert all(value in docs for value in (key, timestamp, token))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    assert signature in docs


def test_a_fault_of_ours_while_acting_lets_mailguns_retry_in(site, mail_server, backend):
    """The token is given back when acting fails, so the same event, sent
    again by Mailgun, is taken rather than refused as a replay."""
    if backend != "sqlite":
        pytest.skip("the fault is a SQLite trigger")
    letter, _row, sent = delivered_letter(mail_server)
    body = mailgun_event(failed(message_id=sent["Message-ID"].strip("<>")))
    # An error the database raises while the bounce is stored (OperationalError).
    fault = "CREATE TRIGGER fault BEFORE INSERT ON bounce BEGIN INSERT INTO gone VALUES (1); END"
    db.session.execute(text(fault))
    db.session.commit()
    first = post(site, body)
    assert first.status_code >= 500  # Mailgun tries again later
    assert fresh(letter).status == LetterStatus.SENT
    db.session.execute(text("DROP TRIGGER fault"))
    db.session.commit()
    again = post(site, body)  # the same signature and token
    assert again.status_code == 200
    assert fresh(letter).status == LetterStatus.FAILED
    assert post(site, body).status_code == 406  # and now it is a replay


def test_a_constraint_of_ours_refusing_the_bounce_is_a_fault_not_a_duplicate(
    site, mail_server, backend
):
    """Only the bounce row's own uniqueness means "already acted on": any
    other refusal is raised, so Mailgun tries again and the token is given back."""
    if backend != "sqlite":
        pytest.skip("the fault is a SQLite trigger")
    letter, _row, sent = delivered_letter(mail_server)
    body = mailgun_event(failed(message_id=sent["Message-ID"].strip("<>")))
    fault = "CREATE TRIGGER fault BEFORE INSERT ON bounce BEGIN SELECT RAISE(ABORT, 'no'); END"
    db.session.execute(text(fault))
    db.session.commit()
    assert post(site, body).status_code >= 500  # not "already acted on"
    db.session.execute(text("DROP TRIGGER fault"))
    db.session.commit()
    assert post(site, body).status_code == 200
    assert fresh(letter).status == LetterStatus.FAILED
