"""Delivery through a real local SMTP server: what arrives, retries, failures, leases."""

from __future__ import annotations

import itertools
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.outbox import worker
from app.outbox.claims import claim_due
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.outbox.worker import deliver_claim, run_worker
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter, submit
from tests.builders.mail import ALLOWED_SMTP_PORTS
from tests.builders.outbox import deliver, fresh, outbox_row, statements_run
from tests.builders.processes import worker_env
from tests.builders.settings import ROOT


def address(received, header: str) -> tuple[str, str]:
    [parsed] = received[header].addresses
    return parsed.display_name, parsed.addr_spec


def link_in(received) -> str:
    return re.search(r"http://localhost/confirm/\S+", received.text).group(0)


def make_due(row: OutboxEmail) -> None:
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == row.id).values(not_before=utcnow())
    )
    db.session.commit()


def test_the_whole_journey_delivers_one_letter_with_the_right_headers(mailed_app, mail_server):
    letter = submit()
    deliver()
    [confirmation] = mail_server.to("jane@example.com")
    assert confirmation["Subject"] == "Confirm your letter to Alice Able"
    assert address(confirmation, "To") == ("Jane Smith", "jane@example.com")
    assert mail_server.to(MP_ADDRESS) == []  # nothing before confirming

    token = link_in(confirmation).rsplit("/", 1)[1]
    confirm_letter(token)
    deliver()

    [draft] = mail_server.to(MP_ADDRESS)
    assert draft.rcpt_tos == [MP_ADDRESS]
    assert draft.mail_from == "noreply@writetoyourmp.test"
    assert address(draft, "From") == (
        "Jane Smith via Write to your MP",
        "noreply@writetoyourmp.test",
    )
    assert address(draft, "Reply-To") == ("Jane Smith", "jane@example.com")
    assert address(draft, "To") == ("Alice Able", MP_ADDRESS)
    assert draft["Subject"] == "Please publish MPs' expenses"
    assert draft["Auto-Submitted"] is None  # a person wrote this
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"):
        assert draft[header] is None
    text = draft.text
    assert text.startswith("Jane Smith\n1 High Street\nTestington\nTE1 1AA\n\nDear Alice Able,")
    assert "a constituent in Testington North (postcode TE1 1AA)" in text
    assert text.count("Email address confirmed") == 1  # said once, not twice
    assert "confirmed their email address" not in text

    copy = [m for m in mail_server.to("jane@example.com") if m["Subject"].startswith("Sent:")]
    assert len(copy) == 1
    assert "I run a small business" in copy[0].text
    fresh(letter)
    assert letter.status == LetterStatus.SENT
    assert letter.sent_at is not None
    assert [e.to_status for e in letter.events if e.is_transition] == [
        "pending",
        "queued",
        "sent",
    ]
    assert len(mail_server.to(MP_ADDRESS)) == 1  # and a second pass sends nothing more
    deliver()
    assert len(mail_server.to(MP_ADDRESS)) == 1


def test_transactional_mail_has_no_list_headers(mailed_app, mail_server):
    submit()
    deliver()
    [confirmation] = mail_server.to("jane@example.com")
    assert confirmation["List-Unsubscribe"] is None
    assert confirmation["List-Id"] is None
    assert confirmation["Auto-Submitted"] == "auto-generated"


def test_a_4xx_answer_is_retried_later_then_succeeds(mailed_app, mail_server):
    letter = confirmed_letter()
    mail_server.fail_next("451 4.3.0 Mailbox busy, try later", stage="RCPT", address=MP_ADDRESS)
    deliver()
    assert mail_server.to(MP_ADDRESS) == []
    row = outbox_row(letter)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 1
    assert row.not_before > utcnow() + timedelta(seconds=30)  # a growing delay, not a spin
    assert row.last_error.startswith("451")
    fresh(letter)
    assert letter.status == LetterStatus.QUEUED
    assert "delivery to the MP delayed" in letter.events[-1].detail

    make_due(row)
    deliver()
    assert len(mail_server.to(MP_ADDRESS)) == 1
    fresh(letter)
    assert letter.status == LetterStatus.SENT


def test_retry_delays_grow(mailed_app):
    from app.outbox.outcomes import retry_delay

    delays = [retry_delay(n) for n in (1, 2, 3, 4)]
    assert all(b > a for a, b in itertools.pairwise(delays))
    assert retry_delay(50) <= mailed_app.config["DELIVERY_RETRY_MAX_SECONDS"] * 1.2


def test_a_5xx_answer_fails_the_message_and_tells_the_constituent(mailed_app, mail_server):
    letter = confirmed_letter()
    mail_server.fail_next("550 5.1.1 <alice.able.mp@parliament.uk>: no such user", stage="RCPT")
    deliver()
    fresh(letter)
    assert letter.status == LetterStatus.FAILED
    [failure] = [e for e in letter.events if e.is_transition and e.to_status == "failed"]
    assert failure.detail == "550 5.1.1 <address>: no such user"
    assert "alice.able" not in failure.detail  # addresses are scrubbed from stored errors
    [notice] = [
        m for m in mail_server.to("jane@example.com") if "could not deliver" in m["Subject"]
    ]
    assert "I run a small business" in notice.text  # their words are not lost
    assert mail_server.to(MP_ADDRESS) == []


def test_giving_up_after_the_bounded_time_fails_and_tells_them(mailed_app, mail_server):
    letter = confirmed_letter()
    row = outbox_row(letter)
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == row.id)
        .values(created_at=utcnow() - timedelta(hours=49), attempts=7)
    )
    db.session.commit()
    mail_server.fail_next("421 4.7.0 Try again later", stage="RCPT", address=MP_ADDRESS)
    deliver()
    fresh(letter)
    assert letter.status == LetterStatus.FAILED
    [failure] = [e for e in letter.events if e.is_transition and e.to_status == "failed"]
    assert "gave up after 8 attempts" in failure.detail
    assert any("could not deliver" in m["Subject"] for m in mail_server.to("jane@example.com"))


@pytest.fixture
def dead_server_app(make_app):
    """An app whose mail server is a port where nothing listens."""
    app = make_app(MAIL_PORT=9)
    ALLOWED_SMTP_PORTS.add(9)
    try:
        with app.app_context():
            yield app
    finally:
        ALLOWED_SMTP_PORTS.discard(9)


def test_a_dead_smtp_server_loses_nothing(dead_server_app):
    letter = confirmed_letter()
    result = deliver()
    assert result.retried == 2  # the confirmation and the letter
    row = outbox_row(letter)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    assert "connection problem" in row.last_error
    fresh(letter)
    assert letter.status == LetterStatus.QUEUED


def test_with_no_server_for_the_bounded_time_the_letter_fails_and_they_are_told(dead_server_app):
    """The outcome path taken when no connection opens at all (no outcome writer)."""
    letter = confirmed_letter()
    deliver()  # a first refusal: noted on the letter, retried later
    fresh(letter)
    assert letter.status == LetterStatus.QUEUED
    assert "delivery to the MP delayed" in letter.events[-1].detail
    row = outbox_row(letter)
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == row.id)
        .values(created_at=utcnow() - timedelta(hours=49), not_before=utcnow())
    )
    db.session.commit()
    deliver()
    fresh(letter)
    assert letter.status == LetterStatus.FAILED
    assert "gave up after 2 attempts" in letter.events[-1].detail
    told = outbox_row(letter, EmailKind.DELIVERY_FAILED)
    assert told is not None
    assert told.status == OutboxStatus.QUEUED  # sent once a server answers


def test_a_header_injection_that_slipped_into_the_database_is_never_sent(mailed_app, mail_server):
    letter = confirmed_letter()
    db.session.execute(
        update(Letter)
        .where(Letter.id == letter.id)
        .values(sender_name="Jane\r\nBcc: victim@example.com", subject="Hi\nX-Evil: 1")
    )
    db.session.commit()
    deliver()
    assert mail_server.to(MP_ADDRESS) == []
    assert all("victim@example.com" not in m.rcpt_tos for m in mail_server.messages)
    for received in mail_server.messages:
        assert received["X-Evil"] is None
        assert received["Bcc"] is None
    fresh(letter)
    # The site could not build it: the email fails alone, the letter is not
    # failed and nobody is told it was (issue 17: booked against nobody).
    assert letter.status == LetterStatus.QUEUED
    assert outbox_row(letter).last_error.startswith("not built: unsafe")
    [note] = [e for e in letter.events if "could not be built" in e.detail]
    assert "unsafe" in note.detail


def test_a_cancelled_message_is_not_sent(mailed_app, mail_server):
    letter = confirmed_letter()
    letter.move_to(LetterStatus.CANCELLED, actor="admin")
    db.session.commit()
    result = deliver()
    assert mail_server.to(MP_ADDRESS) == []
    assert result.skipped == 2  # the letter, and the confirmation nobody needs any more
    assert outbox_row(letter).status == OutboxStatus.CANCELLED


def test_a_letter_stopped_elsewhere_is_built_as_it_is_now_not_as_the_session_last_saw_it(
    mailed_app, mail_server
):
    letter = confirmed_letter()
    assert fresh(letter).status == LetterStatus.QUEUED  # this session holds it, queued
    with db.engine.begin() as conn:  # an admin stops it, in another process
        conn.execute(update(Letter).where(Letter.id == letter.id).values(status="cancelled"))
    result = deliver_claim(claim_due(10))  # in the session that holds the old copy
    assert mail_server.to(MP_ADDRESS) == []
    assert result.skipped == 2  # the letter, and its confirmation
    assert outbox_row(letter).status == OutboxStatus.CANCELLED


def test_a_letter_cancelled_while_on_its_way_is_not_marked_sent(
    mailed_app, mail_server, monkeypatch
):

    letter = confirmed_letter()
    real_build = worker.build_email

    def build_then_cancel(row):
        email = real_build(row)
        if row.kind == EmailKind.MP_LETTER:  # an admin presses Cancel as it goes out
            with db.engine.begin() as conn:
                conn.execute(
                    update(Letter).where(Letter.id == row.letter_id).values(status="cancelled")
                )
        return email

    monkeypatch.setattr(worker, "build_email", build_then_cancel)
    deliver()
    fresh(letter)
    assert len(mail_server.to(MP_ADDRESS)) == 1  # it had left: the worker can't call it back
    assert letter.status == LetterStatus.CANCELLED
    assert "accepted it after it stopped" in letter.events[-1].detail
    assert outbox_row(letter, EmailKind.CONSTITUENT_COPY) is None


def test_an_mp_whose_address_vanished_fails_cleanly(mailed_app, mail_server):
    letter = confirmed_letter()
    letter.mp.source_email = "No email found"
    db.session.commit()
    deliver()
    fresh(letter)
    assert letter.status == LetterStatus.FAILED
    [failure] = [e for e in letter.events if e.is_transition and e.to_status == "failed"]
    assert "no usable email" in failure.detail


def test_an_admin_email_override_is_used_at_send_time(mailed_app, mail_server):
    letter = confirmed_letter()
    letter.mp.email_override = "alice.office@example.org"
    db.session.commit()
    deliver()
    assert len(mail_server.to("alice.office@example.org")) == 1
    assert mail_server.to(MP_ADDRESS) == []


def test_a_lost_lease_does_not_overwrite_the_new_owner(mailed_app, mail_server):
    letter = confirmed_letter()
    claim = claim_due(10)
    # Another worker took the rows over after this lease expired.
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id.in_(claim.ids)).values(lease_token="someone-else")
    )
    db.session.commit()
    deliver_claim(claim)
    row = outbox_row(letter)
    assert (row.status, row.lease_token) == (OutboxStatus.SENDING, "someone-else")
    # Nor does its letter change: that is the new owner's outcome to write.
    assert fresh(letter).status == LetterStatus.QUEUED
    assert [e.to_status for e in letter.events if e.is_transition][-1] == "queued"
    assert outbox_row(letter, EmailKind.CONSTITUENT_COPY) is None


def test_a_worker_killed_mid_send_is_replaced_and_the_letter_sent_once(mailed_app, mail_server):
    letter = submit()
    deliver()  # the confirmation email
    confirm_letter(confirmation_token(letter))
    mail_server.stall(20, stage="RCPT")
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=worker_env(mailed_app, mail_server.port, DELIVERY_LEASE_SECONDS=2),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert mail_server.stalled.wait(30), "the worker never started sending"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    mail_server.stall(0)
    row = outbox_row(letter)
    assert row.status == OutboxStatus.SENDING  # leased to a dead worker
    deliver()
    assert mail_server.to(MP_ADDRESS) == []  # the lease has not expired yet
    time.sleep(2.2)
    deliver()
    assert len(mail_server.to(MP_ADDRESS)) == 1
    row = outbox_row(letter)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


def test_sigterm_lets_a_worker_finish_and_exit(mailed_app, mail_server):
    submit()
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=worker_env(mailed_app, mail_server.port, WORKER_IDLE_SECONDS=0.1, LOG_LEVEL="INFO"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    mail_server.wait_for(1, timeout=30)
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=15)
    assert worker.returncode == 0, output
    assert "worker stopped: sent 1," in output  # logged, as a line of the log


def test_two_workers_never_send_the_same_letter(make_app, mail_server, backend):
    # Sixty identical letters: moderation would rightly hold 59 of them.
    app = make_app(MAIL_PORT=mail_server.port, DELIVERY_BATCH_SIZE=7, **NO_MODERATION)
    with app.app_context():
        for i in range(60):
            confirmed_letter(email=f"person{i}@example.com", key=f"k{i}")
        db.session.remove()

    def work():
        with app.app_context():
            run_worker(once=True)
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    letters = mail_server.to(MP_ADDRESS)
    ids = [m["Message-ID"] for m in letters]
    assert len(ids) == 60
    assert len(set(ids)) == 60
    with app.app_context():
        sent = db.session.scalar(
            select(func.count()).select_from(Letter).where(Letter.status == LetterStatus.SENT)
        )
        assert sent == 60


def test_the_reminder_arrives_a_day_later_with_a_working_link(mailed_app, mail_server):
    from freezegun import freeze_time

    with freeze_time("2026-05-01 09:00"):
        submit()
        deliver()
    with freeze_time("2026-05-02 10:00"):
        deliver()  # housekeeping queues the reminder, then it is sent
    reminders = [
        m for m in mail_server.to("jane@example.com") if m["Subject"].startswith("Reminder")
    ]
    assert len(reminders) == 1
    assert "has not been sent yet" in reminders[0].text
    with freeze_time("2026-05-02 10:05"):
        confirm_letter(link_in(reminders[0]).rsplit("/", 1)[1])


def test_prepared_outcomes_survive_a_restart_and_a_deallocation(make_app, mail_server, backend):
    """On PostgreSQL each kind of outcome is prepared once per connection. A
    connection the server cut is replaced and prepares afresh; on the one that
    survives, psycopg's DEALLOCATE ALL (after the rollback that returns it to
    the pool) drops them, and they are prepared again."""
    if backend != "postgresql":
        pytest.skip("prepared outcomes are PostgreSQL's")
    app = make_app(MAIL_PORT=mail_server.port, DATABASE_PING_AFTER_SECONDS=0, **NO_MODERATION)
    with app.app_context():
        first = confirmed_letter(email="first@example.com", key="first")
        deliver()  # the letter's and its copy's outcomes, prepared on the writer's connection
        db.session.commit()
        with db.engine.connect() as conn:  # what a database restart does to the pool
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))  # fmt: skip
        second = confirmed_letter(email="second@example.com", key="second")
        deliver()
        assert [fresh(first).status, fresh(second).status] == [LetterStatus.SENT] * 2
        assert len(mail_server.to(MP_ADDRESS)) == 2


def test_the_worker_logs_each_batch_in_counts_only(mailed_app, mail_server, caplog):
    caplog.set_level("INFO", logger="app.outbox.worker")
    confirmed_letter(email="logged@example.com", name="Lorna Logged")
    run_worker(once=True)
    lines = [r.getMessage() for r in caplog.records if "delivered a batch" in r.getMessage()]
    assert lines
    assert re.fullmatch(
        r"delivered a batch: \d+ sent, \d+ to retry, \d+ failed, \d+ skipped, \d+ released",
        lines[0],
    )
    assert "logged@example.com" not in caplog.text
    assert "Lorna" not in caplog.text


def test_the_worker_never_reloads_a_row_it_claimed(make_app, mail_server):
    """Each claimed row comes in the claim's one query; a row reloaded one
    by one (say, expired by a rollback after loading) costs a query an email
    and cost delivery 40% of its speed."""
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        _deliver_six_without_reloading(mail_server)


def _deliver_six_without_reloading(mail_server):
    for n in range(6):
        confirmed_letter(email=f"writer{n}@example.com", name=f"Writer {n}")
    with statements_run() as statements:
        deliver()
    assert len(mail_server.messages) == 12  # six letters, six copies
    one_row = re.compile(
        r"^SELECT outbox_email\..* WHERE outbox_email\.id = (\?|%\(\w+\)s(::INTEGER)?)$"
    )
    assert [s for s in statements if one_row.search(s)] == []


def test_once_runs_each_job_first_and_after_the_queue_drains_not_at_every_pass(
    make_app, mail_server, monkeypatch
):
    # A day's job must not run at each claim of a long `once` (bench/deliver.py
    # claims 200 at a time), and what the last run of jobs queues is delivered.
    app = make_app(MAIL_PORT=mail_server.port, DELIVERY_BATCH_SIZE=2, **NO_MODERATION)
    runs = []

    def daily() -> int:
        runs.append(db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
            OutboxEmail.status == OutboxStatus.QUEUED)))  # fmt: skip
        return 0

    monkeypatch.setattr(worker, "_schedule", [worker.Job(daily, 86400)])
    with app.app_context():
        for i in range(6):
            confirmed_letter(email=f"person{i}@example.com", key=f"k{i}")
        result = run_worker(once=True)
        db.session.remove()
    assert result.sent == 12  # six letters and six copies, two at a claim
    # Before the first claim (the letters and their confirmations, which
    # confirming made needless), and once nothing was left.
    assert runs == [12, 0]
