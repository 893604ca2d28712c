"""Alerts over a real SMTP server: opt-in, segments, headers, fan-out, bounces, credit."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
import time

from freezegun import freeze_time
from sqlalchemy import event, func, insert, select, text, update

from app.alerts import measuring, segments, sending, subscribers
from app.alerts.models import (
    Alert,
    AlertRecipient,
    AlertStatus,
    Consent,
    Segment,
    Subscriber,
)
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.outbox.claims import Band, claim_due
from app.outbox.models import OutboxEmail, OutboxStatus
from app.outbox.worker import AlertThrottle, deliver_claim
from app.tokens import Purpose
from tests.builders.alerts import alert_sending_to, an_admin, new_alert, send, subscriber
from tests.builders.letters import PERSONAL_BODY, demo_campaign, submit
from tests.builders.outbox import deliver, fresh
from tests.builders.processes import worker_env
from tests.builders.settings import ROOT


def test_signing_up_sends_only_a_confirmation_until_confirmed(mailed_app, mail_server):
    admin = an_admin()
    client = mailed_app.test_client()
    response = client.post("/alerts", data={"email": "New@Example.com ", "postcode": "te1 1aa"})
    assert response.status_code == 303
    sub = db.session.scalars(select(Subscriber)).one()
    assert (sub.email, sub.status, sub.postcode) == ("new@example.com", "pending", "TE1 1AA")
    consent = db.session.scalars(select(Consent)).one()
    assert (consent.source, consent.wording) == ("site", subscribers.CONSENT_WORDING)
    send(new_alert(admin), admin)
    [confirmation] = mail_server.to("new@example.com")  # the alert did not go to them
    assert confirmation["Subject"] == "Confirm your campaign alerts"
    assert confirmation["List-Unsubscribe"] is None  # transactional mail
    link = re.search(r"http://localhost(/alerts/confirm/\S+)", confirmation.text).group(1)
    assert "Yes, send me alerts" in client.get(link).get_data(as_text=True)
    assert fresh(sub).status == "pending"  # following the link alone confirms nothing
    client.post(link)
    assert fresh(sub).status == "confirmed"
    client.post("/alerts", data={"email": "new@example.com"})  # one address, one subscriber
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_ticking_the_box_on_a_letter_is_confirmed_with_the_letter(mailed_app, mail_server):
    from app.letters.models import Attribution
    from app.letters.submission import LetterDraft, submit_letter

    draft = LetterDraft(name="Jane Smith", email="jane@example.com", address1="1 High Street", town="T",
                    postcode="TE1 1AA", subject="s", body=PERSONAL_BODY)  # fmt: skip
    letter_id = submit_letter(campaign=demo_campaign(), draft=draft, submission_key="k",
                                attribution=Attribution(), subscribe=True)  # fmt: skip
    letter = db.session.get(Letter, letter_id)
    deliver()
    assert [m["Subject"] for m in mail_server.to("jane@example.com")] == [
        "Confirm your letter to Alice Able"
    ]
    sub = db.session.scalars(select(Subscriber)).one()
    assert sub.status == "pending"
    assert sub.constituency_id == letter.constituency_id
    confirm_letter(confirmation_token(letter))
    assert fresh(sub).status == "confirmed"


def test_no_alert_to_pending_unsubscribed_or_suppressed(mailed_app, mail_server):
    admin = an_admin()
    for email, status in [("yes@example.com", "confirmed"), ("pending@example.com", "pending"),
                          ("gone@example.com", "unsubscribed"), ("bounced@example.com", "suppressed")]:  # fmt: skip
        subscriber(email, status)
    alert = send(new_alert(admin), admin)
    assert {
        r for m in mail_server.messages if m["Subject"] == alert.subject for r in m.rcpt_tos
    } == {"yes@example.com"}


def test_the_three_segments_pick_exactly_the_right_people(app):
    admin = an_admin()
    heard = subscriber("heard-wrote@example.com", postcode="TE1 1AA")  # wrote; their MP heard
    subscriber("heard-not-written@example.com", postcode="TE1 1AB")  # same seat: MP heard
    subscriber("unheard@example.com", postcode="CF1 1AA")  # Cwm Test: nobody has written
    subscriber("unknown-seat@example.com")  # no postcode: seat unknown
    subscriber("unsubscribed@example.com", "unsubscribed", postcode="CF1 1AA")
    sent = submit(email=heard.email)
    sent.status = LetterStatus.SENT
    db.session.commit()

    def picked(segment):
        alert = new_alert(admin, segment)
        ids = db.session.scalars(segments.segment_subscribers(alert)).all()
        return {db.session.get(Subscriber, i).email for i in ids}

    assert picked(Segment.ALL) == {"heard-wrote@example.com", "heard-not-written@example.com",
                                   "unheard@example.com", "unknown-seat@example.com"}  # fmt: skip
    assert picked(Segment.NOT_WRITTEN) == {"heard-not-written@example.com", "unheard@example.com",
                                           "unknown-seat@example.com"}  # fmt: skip
    assert picked(Segment.MP_NOT_HEARD) == {"unheard@example.com"}


def test_alert_mail_headers_and_parts(mailed_app, mail_server):
    admin = an_admin()
    subscriber("reader@example.com")
    demo_campaign().alert_sender = "Publish MPs' expenses <alerts@writetoyourmp.test>"
    db.session.commit()
    alert = send(new_alert(admin), admin)
    [mail] = mail_server.to("reader@example.com")
    assert mail["From"].addresses[0].addr_spec == "alerts@writetoyourmp.test"
    assert mail["From"].addresses[0].display_name == "Publish MPs' expenses"
    assert (
        mail["List-Id"] == "Publish MPs' expenses in full <mp-expenses.alerts.writetoyourmp.test>"
    )
    unsubscribe = re.fullmatch(
        r"<(http://localhost/alerts/unsubscribe/\S+)>", mail["List-Unsubscribe"].strip()
    ).group(1)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert "<strong>this week</strong>" in mail.html
    assert unsubscribe in mail.text  # a visible unsubscribe link too
    assert unsubscribe.replace("&", "&amp;") in mail.html
    assert "Write to your MP now: http://localhost/a/" in mail.text
    assert fresh(alert).status == AlertStatus.SENT


def test_one_click_unsubscribe_needs_no_cookie_and_is_idempotent(mailed_app, mail_server):
    admin = an_admin()
    sub = subscriber("reader@example.com")
    send(new_alert(admin), admin)
    [mail] = mail_server.to("reader@example.com")
    url = mail["List-Unsubscribe"].strip().strip("<>").replace("http://localhost", "")
    client = mailed_app.test_client(use_cookies=False)
    for _ in range(2):
        response = client.post(url, data="List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code == 200
        assert "Location" not in response.headers
        assert "Set-Cookie" not in response.headers
    assert fresh(sub).status == "unsubscribed"
    send(new_alert(admin, subject="Second alert"), admin)
    assert [m["Subject"] for m in mail_server.to("reader@example.com")] == ["MPs vote on Thursday"]


def test_tampered_tokens_change_nothing(mailed_app):
    sub = subscriber("reader@example.com")
    token = subscribers.token_for(sub, Purpose.UNSUBSCRIBE)
    client = mailed_app.test_client()
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    assert client.post(f"/alerts/unsubscribe/{tampered}").status_code == 404
    other_purpose = subscribers.token_for(sub, Purpose.ALERT_PREFERENCES)
    assert client.post(f"/alerts/unsubscribe/{other_purpose}").status_code == 404  # wrong salt
    assert (
        client.post(f"/alerts/preferences/{tampered}", data={"subscribed": "no"}).status_code == 404
    )
    assert client.post(f"/alerts/confirm/{tampered}").status_code == 404
    assert client.get("/a/forged-click-token").headers["Location"] == "/"
    assert fresh(sub).status == "confirmed"


def test_a_forwarded_preferences_link_reveals_nothing(mailed_app, mail_server):
    sub = subscriber("reader@example.com", postcode="CF1 1AA")
    token = subscribers.token_for(sub, Purpose.ALERT_PREFERENCES)  # the link in every alert
    client = mailed_app.test_client()
    html = client.get(f"/alerts/preferences/{token}").get_data(as_text=True)
    assert "CF1 1AA" not in html
    assert "reader@example.com" not in html
    assert "Send me campaign alerts" not in html  # no status either
    # It cannot re-subscribe or change the postcode.
    client.post(f"/alerts/preferences/{token}", data={"subscribed": "no", "postcode": "TE1 1AA"})
    assert fresh(sub).postcode == "CF1 1AA"
    assert fresh(sub).status == "confirmed"
    # It asks for a fresh link, which goes to the inbox.
    sent = client.post(f"/alerts/preferences/{token}", data={"action": "send_link"})
    assert "emailed a fresh link" in sent.get_data(as_text=True)
    deliver()
    [mail] = mail_server.to("reader@example.com")
    fresh_link = re.search(r"http://localhost(/alerts/preferences/\S+)", mail.text).group(1)
    assert "CF1 1AA" in client.get(fresh_link).get_data(as_text=True)


def test_changing_preferences_by_the_fresh_link_records_consent(mailed_app):
    sub = subscriber("reader@example.com")
    token = subscribers.token_for(sub, Purpose.FRESH_PREFERENCES)
    client = mailed_app.test_client()
    assert "Send me campaign alerts" in client.get(f"/alerts/preferences/{token}").get_data(
        as_text=True
    )
    client.post(f"/alerts/preferences/{token}", data={"subscribed": "yes", "postcode": "cf1 1aa"})
    assert fresh(sub).postcode == "CF1 1AA"
    assert sub.constituency_id is not None
    client.post(f"/alerts/preferences/{token}", data={"subscribed": "no", "postcode": "CF1 1AA"})
    assert fresh(sub).status == "unsubscribed"
    consents = db.session.scalar(select(func.count()).select_from(Consent))
    client.post(f"/alerts/preferences/{token}", data={"subscribed": "yes", "postcode": ""})
    assert fresh(sub).status == "confirmed"
    [again] = db.session.scalars(select(Consent).order_by(Consent.id.desc()).limit(1)).all()
    assert again.source == "settings"  # coming back is a new consent, recorded
    assert db.session.scalar(select(func.count()).select_from(Consent)) == consents + 1


def test_a_bounce_suppresses_the_address(mailed_app, mail_server):
    admin = an_admin()
    sub = subscriber("dead@example.com")
    subscriber("alive@example.com")
    mail_server.fail_next("550 5.1.1 No such mailbox", stage="RCPT", address="dead@example.com")
    send(new_alert(admin), admin)
    assert fresh(sub).status == "suppressed"
    assert sub.suppressed_reason.startswith("bounced: 550")
    send(new_alert(admin, subject="Later"), admin)
    assert mail_server.to("dead@example.com") == []
    assert len(mail_server.to("alive@example.com")) == 2


def test_a_crashed_fan_out_resumes_and_mails_everyone_once(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        admin = an_admin()
        alert = alert_sending_to(admin, [f"reader{i}@example.com" for i in range(25)])
        sending._fan_out_batch(alert.id, 10)  # the first batch, then the worker "dies"
        assert db.session.scalar(select(func.count()).select_from(AlertRecipient)) == 10
        sending._fan_out_batch(alert.id, 10)  # a restarted worker carries on
        deliver()  # ... and finishes the job
        received = [r for m in mail_server.messages for r in m.rcpt_tos]
        assert sorted(received) == sorted(f"reader{i}@example.com" for i in range(25))
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 25
        assert fresh(db.session.get(Alert, alert.id)).status == AlertStatus.SENT


def test_two_workers_fanning_out_one_alert_take_turns(make_app, mail_server):
    """A batch waits for another worker's batch of the same alert to commit,
    then starts after it, instead of choosing the same subscribers."""
    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        admin = an_admin()
        alert = alert_sending_to(admin, [f"reader{i}@example.com" for i in range(6)])
        first = db.session.scalar(select(func.min(Subscriber.id)))
        db.session.remove()
        # The other worker, mid-batch: its first recipient queued, not yet committed.
        other = db.engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        other.execute(insert(AlertRecipient).values(alert_id=alert.id, subscriber_id=first))
        queued = []

        def fan_out_batch():
            with app.app_context():
                queued.append(sending._fan_out_batch(alert.id, 4))
                db.session.remove()

        worker = threading.Thread(target=fan_out_batch)
        worker.start()
        worker.join(0.5)
        waited = worker.is_alive()
        other.commit()
        other.close()
        worker.join(10)
        sending._fan_out_batch(alert.id, 4)
        assert waited
        assert queued == [4]
        queued_ids = db.session.scalars(select(AlertRecipient.subscriber_id)).all()
        assert len(queued_ids) == len(set(queued_ids)) == 6


def test_a_worker_killed_halfway_through_an_alert_mails_each_recipient_once(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, DELIVERY_LEASE_SECONDS=2)
    with app.app_context():
        admin = an_admin()
        alert_sending_to(admin, [f"reader{i:02d}@example.com" for i in range(12)])
        db.session.remove()
        mail_server.stall(20, stage="RCPT", address="reader06@example.com")
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
            env=worker_env(app, mail_server.port, DELIVERY_LEASE_SECONDS=2, ALERT_SEND_RATE=0),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert mail_server.stalled.wait(30), "the worker never reached the sixth recipient"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        mail_server.stall(0)
        assert 0 < len(mail_server.messages) < 12  # killed half way
        time.sleep(2.2)  # the dead worker's lease runs out
        deliver()
        received = sorted(r for m in mail_server.messages for r in m.rcpt_tos)
        assert received == sorted(f"reader{i:02d}@example.com" for i in range(12))


@contextlib.contextmanager
def outbox_updates_slowed_down(engine, seconds: float):
    """A database slow to write outcomes: on PostgreSQL a trigger that sleeps in
    the server itself (the worker writes outcomes there without waiting for
    the answer); on SQLite, which runs in the worker, a pause before each."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(
                "CREATE FUNCTION slow_outbox() RETURNS trigger AS "
                f"$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            conn.execute(text(
                "CREATE TRIGGER slow_outbox BEFORE UPDATE ON outbox_email "
                "FOR EACH ROW EXECUTE FUNCTION slow_outbox()"
            ))  # fmt: skip
        try:
            yield
        finally:
            with engine.begin() as conn:
                conn.execute(text("DROP TRIGGER slow_outbox ON outbox_email"))
                conn.execute(text("DROP FUNCTION slow_outbox()"))
        return

    # SQLite's own trace hook, on every connection the worker checks out: the
    # worker's outcomes run on the driver's connection, under SQLAlchemy.
    def pause(statement):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            time.sleep(seconds)

    def traced(dbapi_connection, _record, _proxy):
        dbapi_connection.set_trace_callback(pause)

    event.listen(engine, "checkout", traced)
    try:
        yield
    finally:
        event.remove(engine, "checkout", traced)
        engine.dispose()  # no connection keeps the hook


def test_each_alert_outcome_is_committed_before_the_next_email_goes_out(
    mailed_app, mail_server, monkeypatch
):
    """However slow the database, a crash can repeat at most the email in hand."""
    admin = an_admin()
    alert = alert_sending_to(admin, [f"r{i}@example.com" for i in range(6)])
    sending.fan_out()
    engine, keep = db.engine, mail_server._keep
    sent_before = []  # alert emails recorded as sent when each email's content arrived

    def keep_and_count(received):
        with engine.connect() as conn:
            sent_before.append(
                conn.scalar(
                    select(func.count())
                    .select_from(OutboxEmail)
                    .where(
                        OutboxEmail.alert_id == alert.id, OutboxEmail.status == OutboxStatus.SENT
                    )
                )
            )
        keep(received)

    monkeypatch.setattr(mail_server, "_keep", keep_and_count)
    with outbox_updates_slowed_down(engine, 0.05):
        deliver()
    assert sent_before == [0, 1, 2, 3, 4, 5]
    assert measuring.progress(fresh(alert)).sent == 6


def test_an_alert_outcome_never_overwrites_a_lease_another_worker_took(
    mailed_app, mail_server, caplog
):
    admin = an_admin()
    alert_sending_to(admin, [f"r{i}@example.com" for i in range(3)])
    sending.fan_out()
    claim = claim_due(10, band=Band.ALERTS)
    # Another worker took the rows over after this lease expired.
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id.in_(claim.ids)).values(lease_token="someone-else")
    )
    db.session.commit()
    deliver_claim(claim)
    rows = db.session.execute(
        select(OutboxEmail.status, OutboxEmail.lease_token).where(OutboxEmail.id.in_(claim.ids))
    ).all()
    assert rows == [(OutboxStatus.SENDING, "someone-else")] * 3
    assert caplog.text.count("lease lost before its outcome was recorded") == 3


def test_cancelling_stops_the_queued_copies(mailed_app, mail_server):
    admin = an_admin()
    alert = alert_sending_to(admin, [f"r{i}@example.com" for i in range(5)])
    sending.fan_out()
    sending.cancel_alert(alert, admin)
    deliver()
    assert len(mail_server.messages) == 0
    progress = measuring.progress(fresh(alert))
    assert (progress.cancelled, progress.sent) == (5, 0)


def test_transactional_mail_goes_before_alerts(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, ALERT_SEND_RATE=4)
    with app.app_context():
        admin = an_admin()
        alert_sending_to(admin, [f"r{i}@example.com" for i in range(6)])
        sending.fan_out()
        submit(email="writer@example.com")  # a confirmation queued after the alert
        deliver()  # --once waits out the throttle rather than leaving alerts behind
        order = [m.rcpt_tos[0] for m in mail_server.messages]
        assert order[0] == "writer@example.com"
        assert sorted(order[1:]) == [f"r{i}@example.com" for i in range(6)]


def test_alerts_are_throttled_by_a_token_bucket():
    """At most `rate` a second, with no burst beyond one second's worth (a frozen clock)."""
    with freeze_time("2026-01-01 00:00:00") as clock:
        throttle = AlertThrottle()
        assert throttle.take(10, 100) == 0
        clock.tick(0.5)
        assert throttle.take(10, 100) == 5
        clock.tick(10)
        assert throttle.take(10, 100) == 10  # no bursts beyond a second's worth
        assert throttle.take(0, 100) == 100  # a rate of 0 means no limit


def test_click_credit_lands_on_the_right_rows(mailed_app, mail_server):
    admin = an_admin()
    subscriber("clicker@example.com", postcode="TE1 1AA")
    subscriber("other@example.com")
    alert = send(new_alert(admin), admin)
    [mail] = mail_server.to("clicker@example.com")
    click = re.search(r"http://localhost(/a/\S+)", mail.text).group(1)
    client = mailed_app.test_client()
    landing = client.get(click)
    assert landing.status_code == 302
    assert "TE1" not in landing.headers["Location"]  # a forwarded alert reveals nothing
    page = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert "clicker@example.com" not in page
    assert "TE1 1AA" not in page
    ref = re.search(r'name="ref" value="([^"]+)"', page).group(1)
    rows = {r.subscriber.email: r for r in db.session.scalars(select(AlertRecipient))}
    assert rows["clicker@example.com"].clicks == 1
    assert rows["other@example.com"].clicked_at is None
    from app.web.abuse import issue_form_ticket
    from tests.builders.letters import LETTER

    client.post("/c/mp-expenses/write", data={**LETTER, "email": "clicker@example.com", "ref": ref,
                                              "form_ticket": issue_form_ticket(), "action": "send"})  # fmt: skip
    letter = db.session.scalars(select(Letter)).one()
    assert (letter.source, letter.alert_id) == ("alert", alert.id)
    stats = measuring.alert_stats(alert)
    assert (stats.recipients, stats.sent, stats.clicked, stats.letters_within_7_days) == (
        2,
        2,
        1,
        1,
    )


def test_share_credit_lands_on_the_sharer(mailed_app):
    from app.sharing import links, tracking
    from app.sharing.models import ShareEvent
    from app.web.abuse import issue_form_ticket
    from tests.builders.letters import LETTER

    sharer = confirm_letter(confirmation_token(submit()))
    client = mailed_app.test_client()
    client.get(f"/share/{sharer.share_code}/whatsapp")
    client.get(f"/share/{sharer.share_code}/group")
    visit = client.get(f"/s/{sharer.share_code}/whatsapp")
    page = client.get(visit.headers["Location"]).get_data(as_text=True)
    ref = re.search(r'name="ref" value="([^"]+)"', page).group(1)
    client.get(f"/c/mp-expenses/write?postcode=TE1+1AB&ref={ref}")
    client.post("/c/mp-expenses/write", data={**LETTER, "email": "friend@example.com", "name": "Fran Friend",
                                              "postcode": "TE1 1AB", "body": PERSONAL_BODY + " Friend.", "ref": ref,
                                              "form_ticket": issue_form_ticket(), "action": "send"})  # fmt: skip
    friend = db.session.scalar(
        select(Letter).where(Letter.sender_email_key == "friend@example.com")
    )
    assert (friend.source, friend.referred_by_id, friend.share_channel) == (
        "share",
        sharer.id,
        "whatsapp",
    )
    kinds = sorted((e.kind, e.channel) for e in db.session.scalars(select(ShareEvent)))
    assert kinds == [("group", ""), ("share", "whatsapp"), ("visit", "whatsapp")]
    sharer.status = LetterStatus.SENT
    db.session.commit()
    funnel = tracking.funnel(demo_campaign().id)
    assert (funnel.shares, funnel.visits, funnel.referred, funnel.k_factor) == (
        {"whatsapp": 1}, {"whatsapp": 1}, {"whatsapp": 1}, 1.0)  # fmt: skip
    assert links.read_ref(ref + "x").source == "direct"  # a tampered ref credits nobody


def test_clicks_on_a_forwarded_alert_link_are_counted_once_per_visitor(mailed_app, mail_server):
    admin = an_admin()
    subscriber("clicker@example.com")
    send(new_alert(admin), admin)
    [mail] = mail_server.to("clicker@example.com")
    click = re.search(r"http://localhost(/a/\S+)", mail.text).group(1)
    client = mailed_app.test_client()
    for _ in range(20):
        assert client.get(click, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302
    client.get(click, environ_base={"REMOTE_ADDR": "10.9.9.10"})
    [row] = db.session.scalars(select(AlertRecipient)).all()
    db.session.refresh(row)
    assert row.clicks == 2
