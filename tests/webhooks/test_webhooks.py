"""Signed webhooks through the outbox, against a real HTTPS receiver.

The receiver (tests/builders/webhooks.py) checks every signature with its
own code, as the Standard Webhooks specification describes; the worker is
the real one, the mail server a real SMTP server, the database SQLite and
PostgreSQL.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app import metrics
from app.adapters.http import CallError, RefusedURL, check_url, is_public, post
from app.alerts.subscribers import Purpose, token_for, unsubscribe
from app.db import utcnow
from app.extensions import db
from app.letters.back_office import mark_delivered
from app.letters.models import Attribution, Letter, LetterStatus, Source
from app.outbox.health import mail_health
from app.outbox.models import OutboxEmail, OutboxStatus
from app.partners.registry import save_partner
from app.privacy.requests import erase
from app.replies.models import Answer, ReplyQuestion
from app.replies.questionnaire import record_answer
from app.webhooks.endpoints import (
    EndpointError,
    events_from,
    register,
    resume,
    rotate,
    state_of,
)
from app.webhooks.models import Endpoint, Event
from app.webhooks.signing import signed_headers
from tests.builders.alerts import an_admin, subscriber
from tests.builders.letters import LETTER, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver
from tests.builders.webhooks import Receiver, self_signed_certificate, serve, verify

LETTER_EVENTS = [Event.LETTER_CONFIRMED, Event.LETTER_DELIVERED, Event.LETTER_FAILED]


@pytest.fixture
def receiver(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    found = Receiver()
    server = serve(found, cert, key)
    found.cert = cert  # type: ignore[attr-defined]
    yield found
    server.shutdown()
    server.server_close()


def hooked(make_app, receiver, **settings):
    """The app, calling the receiver on this machine: the one setting a test
    needs that production refuses is a private address (the receiver's,
    127.0.0.1); its certificate is checked."""
    return make_app(
        WEBHOOK_PRIVATE_ADDRESSES=True, WEBHOOK_CA_FILE=str(receiver.cert),
        **{**NO_MODERATION, **settings},
    )  # fmt: skip


@pytest.fixture
def hooked_app(make_app, mail_server, receiver):
    """Mailing to a real SMTP server, and trying again at once (the test waits for no clock)."""
    app = hooked(make_app, receiver, MAIL_PORT=mail_server.port, DELIVERY_RETRY_BASE_SECONDS=0)
    with app.app_context():
        yield app


def listen(receiver: Receiver, events, partner_slug: str | None = None) -> Endpoint:
    registered = register(receiver.url(), list(events), partner_slug=partner_slug)
    receiver.secret = registered.secret
    return db.session.get(Endpoint, registered.endpoint_id)


def deliver_until(done, seconds: float = 20.0) -> None:
    """Run the worker until `done()` (calls waiting behind earlier ones are due a second later)."""
    deadline = time.monotonic() + seconds
    while True:
        deliver()
        if done() or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def calls() -> list[OutboxEmail]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.endpoint_id.is_not(None))
            .order_by(OutboxEmail.id)
            .execution_options(populate_existing=True)
        )
    )


def _counted(event: str, outcome: str) -> float:
    return metrics.CALLS.labels(event, outcome)._value.get()


def test_signatures_match_the_specifications_test_vector():
    """The example the Standard Webhooks specification publishes, signed as
    the site signs a call, and checked by the tests' own receiver."""
    endpoint = Endpoint(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    row = OutboxEmail(message_token="p5jXN8AQM9LWM0D4loKWxJek")
    moment = datetime.fromtimestamp(1614265330, UTC).replace(tzinfo=None)
    body = b'{"test": 2432232314}'
    headers = signed_headers(endpoint, row, body, moment)
    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert verify(endpoint.secret, headers, body, now=1614265330)
    assert not verify(endpoint.secret, headers, body + b" ", now=1614265330)
    assert not verify(endpoint.secret, headers, body, now=1614265330 + 301)  # replayed late


def test_a_receiver_that_fails_then_recovers_gets_every_event_once_in_order(
    hooked_app, receiver, mail_server
):
    listen(receiver, [*LETTER_EVENTS, Event.PERSON_SUBSCRIBED, Event.PERSON_UNSUBSCRIBED])
    receiver.answers = [503, 500, 429]  # then 200 for good
    counted_before = _counted("letter.confirmed", "sent"), _counted("letter.confirmed", "retried")
    first = confirmed_letter()
    second = confirmed_letter(email="sam@example.com", name="Sam Jones")
    person = subscriber("reader@example.com")
    unsubscribe(token_for(person, Purpose.UNSUBSCRIBE))

    deliver_until(lambda: len(receiver.accepted) == 6)

    by_subject = defaultdict(list)
    for kind, subject in receiver.events():
        by_subject[subject].append(kind)
    for letter in (first, second):
        assert by_subject[letter.public_id] == ["letter.confirmed", "letter.delivered"]
    assert by_subject[f"person_{person.id}"] == ["person.subscribed", "person.unsubscribed"]
    assert len(receiver.accepted) == 6
    assert len({call.ident for call in receiver.accepted}) == 6  # each once
    assert receiver.refused == [503, 500, 429]
    assert receiver.unsigned == 0
    # Counted as calls, not as emails: a partner's failure is not the mail's.
    counted = _counted("letter.confirmed", "sent"), _counted("letter.confirmed", "retried")
    assert counted[0] - counted_before[0] == 2
    assert counted[1] - counted_before[1] == 2
    assert {row.status for row in calls()} == {OutboxStatus.SENT}
    # The reference library accepts what was sent, as a partner's would.
    call = receiver.accepted[0]
    body = json.dumps(call.event, ensure_ascii=False, separators=(",", ":")).encode()
    assert Webhook(receiver.secret).verify(body, call.headers) == call.event
    # The letters went to the MP as ever, and the endpoint is well again.
    assert len([m for m in mail_server.messages if "parliament.uk" in m["To"]]) == 2
    endpoint = db.session.scalar(select(Endpoint))
    db.session.refresh(endpoint)
    assert endpoint.failures == 0
    assert endpoint.last_success_at is not None
    assert state_of(endpoint) == "active"


def test_a_letters_event_says_where_it_went_and_nothing_of_its_writer(hooked_app, receiver):
    listen(receiver, LETTER_EVENTS)
    letter = confirmed_letter()
    deliver_until(lambda: len(receiver.accepted) == 2)

    confirmed, delivered = (call.event for call in receiver.accepted)
    assert confirmed["type"] == "letter.confirmed"
    data = delivered["data"]["letter"]
    assert data["id"] == letter.public_id
    assert data["status"] == "sent"
    assert data["delivered_at"].endswith("Z")
    assert data["campaign"]["slug"] == "mp-expenses"
    assert data["mp"]["name"]
    assert (data["to_mp"], data["recipients"]) == (True, [])  # to the MP alone
    assert data["constituency"]["gss_code"]
    raw = json.dumps([call.event for call in receiver.accepted])
    for personal in (LETTER["name"], LETTER["email"], LETTER["address1"], LETTER["postcode"],
                     LETTER["subject"], "small business"):  # fmt: skip
        assert personal not in raw


def test_a_failing_endpoint_never_holds_up_a_letter(make_app, receiver, mail_server):
    app = hooked(make_app, receiver, MAIL_PORT=mail_server.port)
    with app.app_context():
        _failing_endpoint_and_a_letter(receiver, mail_server)


def _failing_endpoint_and_a_letter(receiver, mail_server):
    listen(receiver, LETTER_EVENTS)
    receiver.answers = [503] * 50
    letter = confirmed_letter()
    deliver()

    db.session.refresh(letter)
    assert letter.status == LetterStatus.SENT
    assert any("parliament.uk" in m["To"] for m in mail_server.messages)
    assert any(LETTER["email"] in m["To"] for m in mail_server.messages)  # the copy
    endpoint = db.session.scalar(select(Endpoint))
    db.session.refresh(endpoint)
    assert endpoint.failures >= 1
    assert endpoint.last_error == "it answered 503"
    assert receiver.accepted == []
    # Its calls waiting raise none of the site's "mail is stuck" warnings.
    assert mail_health().waiting == 0
    # Nothing of it is in the letter's history: not the writer's affair.
    assert not [event for event in letter.events if "503" in event.detail]


def test_an_endpoint_that_fails_is_paused_and_an_admin_can_resume_it(make_app, receiver):
    app = hooked(make_app, receiver, DELIVERY_RETRY_BASE_SECONDS=600)
    with app.app_context():
        listen(receiver, [Event.PERSON_SUBSCRIBED])
        receiver.answers = [503]
        subscriber("one@example.com")
        subscriber("two@example.com")
        deliver()

        endpoint = db.session.scalar(select(Endpoint))
        db.session.refresh(endpoint)
        assert endpoint.paused_until > utcnow() + timedelta(minutes=5)
        assert state_of(endpoint).startswith("paused until")
        assert receiver.refused == [503]  # the second call waited instead of failing too
        waiting = calls()
        assert [row.attempts for row in waiting] == [1, 0]

        assert resume(endpoint.id)
        deliver()
        assert len(receiver.accepted) == 2


def test_gone_stops_the_endpoint(hooked_app, receiver):
    endpoint = listen(receiver, LETTER_EVENTS)
    receiver.answers = [410]
    confirmed_letter()
    deliver()

    db.session.refresh(endpoint)
    assert not endpoint.active
    assert endpoint.stopped_reason == "it answered 410 Gone"
    assert [row.status for row in calls()] == [OutboxStatus.FAILED, OutboxStatus.CANCELLED]
    assert receiver.refused == [410]


def test_a_partner_hears_only_of_its_own_letters_and_never_of_people(hooked_app, receiver):
    partner = save_partner("gazette", name="The Test Gazette", origins=["https://gazette.example"])
    with pytest.raises(EndpointError, match="letters only"):
        register(receiver.url(), [Event.PERSON_SUBSCRIBED], partner_slug="gazette")
    listen(receiver, [Event.LETTER_CONFIRMED], partner_slug="gazette")
    ours = confirmed_letter(attribution=Attribution(source=Source.WIDGET, partner_id=partner.id))
    confirmed_letter(email="sam@example.com", name="Sam Jones")  # written on the site itself
    subscriber("reader@example.com")

    deliver_until(lambda: len(receiver.accepted) >= 1, seconds=3)
    assert receiver.events() == [("letter.confirmed", ours.public_id)]
    assert receiver.accepted[0].event["data"]["letter"]["partner"] == "gazette"


def test_an_erased_letters_call_is_not_made(hooked_app, receiver):
    listen(receiver, [Event.LETTER_CONFIRMED])
    confirmed_letter()
    erase(LETTER["email"])
    deliver()

    assert receiver.accepted == []
    assert receiver.refused == []
    assert [row.status for row in calls()] == [OutboxStatus.CANCELLED]


def test_a_slow_endpoint_times_out_and_is_tried_again(make_app, receiver):
    app = hooked(make_app, receiver, WEBHOOK_TIMEOUT_SECONDS=0.5, DELIVERY_RETRY_BASE_SECONDS=60)
    with app.app_context():
        listen(receiver, [Event.PERSON_SUBSCRIBED])
        receiver.hang_seconds = 1.5
        subscriber("one@example.com")
        deliver()
        [row] = calls()
        assert row.status == OutboxStatus.QUEUED
        assert row.last_error == "timed out waiting for an answer"

        receiver.hang_seconds = 0
        assert resume(db.session.scalar(select(Endpoint.id)))  # no need to wait a minute
        deliver()
        [row] = calls()
        assert row.status == OutboxStatus.SENT


def test_after_a_rotation_both_secrets_sign_for_a_day(hooked_app, receiver):
    endpoint = listen(receiver, [Event.PERSON_SUBSCRIBED])
    old = receiver.secret
    receiver.secret = rotate(endpoint.id)
    subscriber("one@example.com")
    deliver()

    [call] = receiver.accepted  # checked against the new secret
    body = json.dumps(call.event, ensure_ascii=False, separators=(",", ":")).encode()
    assert verify(old, call.headers, body)  # and the old one still passes
    assert len(call.headers["webhook-signature"].split(" ")) == 2


def test_a_url_at_a_private_address_is_refused(app):
    for url in ("https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook",
                "https://169.254.169.254/latest/meta-data", "https://localhost/hook"):  # fmt: skip
        with pytest.raises(RefusedURL, match="private address"):
            post(url, b"{}", {}, timeout=1)
    with pytest.raises(RefusedURL, match="not an https URL"):
        check_url("http://example.org/hook")
    with pytest.raises(RefusedURL, match="user name or password"):
        check_url("https://user:pass@example.org/hook")
    with pytest.raises(EndpointError, match="refused"):
        register("http://example.org/hook", [Event.LETTER_CONFIRMED])
    with pytest.raises(CallError, match="does not resolve"):
        post("https://no-such-host.invalid/hook", b"{}", {}, timeout=1)


def test_the_events_a_person_names_are_checked(app):
    assert events_from(["letter.confirmed"]) == [Event.LETTER_CONFIRMED]
    with pytest.raises(EndpointError, match=r"No event 'letter\.sent'"):
        events_from(["letter.sent"])
    with pytest.raises(EndpointError, match="at least one"):
        events_from([])


def test_the_cli_registers_lists_rotates_stops_and_resumes(app, runner, caplog):
    url = "https://crm.example.org/hooks/s3cret-path-token"
    added = runner.invoke(args=["webhooks", "add", url, "--event", "letter.delivered"])
    assert added.exit_code == 0, added.output
    secret = added.output.split("secret (shown once; docs/webhooks.md says how to check it): ")[1]
    assert secret.strip().startswith("whsec_")

    listed = runner.invoke(args=["webhooks", "list"])
    assert listed.output.startswith("1\tpartner -\tactive\tletter.delivered")
    assert "s3cret" not in listed.output
    assert secret.strip() not in listed.output

    rotated = runner.invoke(args=["webhooks", "rotate", "1"])
    assert "whsec_" in rotated.output
    assert secret.strip() not in rotated.output
    assert runner.invoke(args=["webhooks", "stop", "1"]).output == "1: stopped\n"
    assert "stopped: stopped by an admin" in runner.invoke(args=["webhooks", "list"]).output
    assert runner.invoke(args=["webhooks", "resume", "1"]).output == "1: resumed\n"
    again = runner.invoke(args=["webhooks", "resume", "1"])
    assert again.output == "1: was neither paused nor stopped\n"
    missing = runner.invoke(args=["webhooks", "stop", "9"])
    assert missing.exit_code == 1
    assert "No webhook endpoint 9" in missing.output
    refused = runner.invoke(args=["webhooks", "add", url, "--event", "letter.sent"])
    assert refused.exit_code == 1
    assert "No event 'letter.sent'" in refused.output
    assert "s3cret" not in caplog.text
    assert "whsec_" not in caplog.text


def test_a_failing_call_logs_neither_its_url_nor_its_body(make_app, receiver, mail_server, caplog):
    app = hooked(make_app, receiver, MAIL_PORT=mail_server.port)
    with app.app_context():
        _failing_call_logged(receiver, caplog)


def _failing_call_logged(receiver, caplog):
    registered = register(receiver.url("/hooks/s3cret-path-token"), [Event.LETTER_CONFIRMED])
    receiver.secret = registered.secret
    receiver.answers = [500]
    confirmed_letter()
    deliver()

    assert "it answered 500" in caplog.text
    assert "s3cret" not in caplog.text
    assert LETTER["email"] not in caplog.text
    letter = db.session.scalar(select(Letter))
    assert letter.public_id not in caplog.text


def test_an_address_carrying_a_private_one_is_private():
    """NAT64, 6to4, Teredo and IPv4-mapped or -compatible addresses carry an
    IPv4 address, which must be public too."""
    for private in ("64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::ffff:10.0.0.1",
                    "2001:0:4136:e378:8000:63bf:f5fe:fff5", "169.254.169.254", "::1"):  # fmt: skip
        assert not is_public(ipaddress.ip_address(private)), private
    for public in ("1.1.1.1", "2606:4700:4700::1111", "64:ff9b::101:101"):
        assert is_public(ipaddress.ip_address(public)), public


def test_a_server_that_answers_a_byte_at_a_time_is_cut_off_at_the_deadline(tmp_path):
    """A per-read timeout would wait for ever on a server that keeps sending:
    the whole call has one deadline, TLS included."""
    cert, key = self_signed_certificate(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    stop = threading.Event()

    def dribble():
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    return
                with contextlib.suppress(OSError):
                    tls.sendall(bytes([byte]))
                time.sleep(0.1)

    threading.Thread(target=dribble, daemon=True).start()
    url = f"https://localhost:{listener.getsockname()[1]}/hook"
    started = time.monotonic()
    try:
        with pytest.raises(CallError, match="timed out"):
            post(url, b"{}", {}, timeout=1.0, private_allowed=True, ca_file=str(cert))
        assert time.monotonic() - started < 2.5
    finally:
        stop.set()
        listener.close()


def test_a_letter_marked_delivered_by_hand_is_announced(hooked_app, receiver):
    listen(receiver, LETTER_EVENTS)
    letter = confirmed_letter()
    mark_delivered(an_admin(), letter.id)
    assert [row.kind for row in calls()] == ["letter.confirmed", "letter.delivered"]


def test_an_erased_person_s_crm_is_told_to_forget_them_by_id_only(hooked_app, receiver):
    listen(receiver, [Event.PERSON_SUBSCRIBED, Event.PERSON_UNSUBSCRIBED])
    person = subscriber("reader@example.com")
    deliver_until(lambda: len(receiver.accepted) == 1)
    erase("reader@example.com")
    deliver_until(lambda: len(receiver.accepted) == 2)
    forget = receiver.accepted[1].event
    assert forget["type"] == "person.unsubscribed"
    assert forget["data"] == {"person": {"id": f"person_{person.id}", "status": "erased"}}


def test_a_reply_is_announced_once_whatever_the_writer_says_after(hooked_app, receiver):
    listen(receiver, [Event.MP_REPLIED])
    letter = confirmed_letter()
    db.session.add(ReplyQuestion(letter_id=letter.id, last_asked_at=utcnow()))
    db.session.commit()
    question_id = db.session.scalar(select(ReplyQuestion.id))
    for answer in (Answer.YES, Answer.NO, Answer.YES):
        record_answer(question_id, answer, first_time=None)
    assert [row.kind for row in calls()] == ["letter.mp_replied"]
