"""Bounce reports in real conditions: out-of-office replies to the return
path, refusals that are the site's fault, malformed reports in the middle of
a Maildir, a rerun over the same mailbox, a digest that bounces. None of it
may be booked against an MP, a writer or a subscriber by mistake, and the
reader never stops."""

from __future__ import annotations

import mailbox
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.bounces.intake import smtp_intake
from app.bounces.models import Bounce, BounceType, ReadReport
from app.bounces.reports import read_report
from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import DomainPause, EmailKind, OutboxEmail
from app.outbox.return_path import return_path
from devtools.mailcatcher import free_port
from tests.bounces.builders import BOUNCE_DOMAIN, sample, site_fault_dsn
from tests.builders.admins import ADMIN_PASSWORD
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.mail import ALLOWED_SMTP_PORTS
from tests.builders.outbox import deliver, outbox_row


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN, **NO_MODERATION)
    with app.app_context():
        yield app


def delivered(mail_server, email: str = "jane@example.com"):
    letter = confirmed_letter(email=email)
    deliver()
    mail_server.wait_for(1, 10, to=MP_ADDRESS)
    return letter, outbox_row(letter)


def read_file(site, path) -> str:
    result = site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def status_of(letter_id: int) -> LetterStatus:
    db.session.expire_all()
    return db.session.get(Letter, letter_id).status


# Realistic (and fictional) automatic replies from MPs' offices, sent to the
# return path as RFC 3834 says. Each holds a number a careless reader would
# take for a 5.x.x status.
OFFICE = "Office of Alice Able MP"
AUTO_REPLIES = [
    ("Automatic reply: Your letter", "Auto-Submitted: auto-replied\n",
     "The office is closed until 5.1.26. We read every letter."),
    ("Out of Office", "X-Autoreply: yes\n",
     "Thank you for your email. See section 5.2.1 of our casework policy."),
    ("Re: Please publish MPs' expenses", "Precedence: auto_reply\n",
     "This mailbox is monitored from 10.5.12.40 during office hours."),
    ("Auto: Please publish", "X-Auto-Response-Suppress: All\n",
     "I am away until 5 January. Constituency matters: 5.5.1 Casework team."),
    ("Thank you for contacting Alice Able MP", "Auto-Submitted: auto-replied\n",
     "Your message has been received. Reference 5.7.1-2026."),
    ("Automatic reply: Expenses", "", "Due to the volume of mail, replies may take 5.0.0 weeks."),
    ("Out of office: back on 5.2.26", "", "Parliament is in recess."),
    ("Abwesenheitsnotiz", "Auto-Submitted: auto-replied\n", "Bis 5.1.26 nicht im Buero."),
    ("Réponse automatique", "Auto-Submitted: auto-replied\n", "Absent jusqu'au 5.4.7."),
    ("We have received your email", "Auto-Submitted: auto-generated\n",
     "Your reference is 550 5.1.1 - keep it for your records."),
]  # fmt: skip


def auto_reply(outbox_id: int, subject: str, headers: str, body: str) -> bytes:
    return (
        f"Return-Path: <>\nFrom: {OFFICE} <{MP_ADDRESS}>\nTo: {return_path(outbox_id)}\n"
        f"Subject: {subject}\n{headers}MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


@pytest.mark.parametrize(("subject", "headers", "body"), AUTO_REPLIES)
def test_an_out_of_office_reply_is_noted_and_fails_nothing(
    site, mail_server, tmp_path, subject, headers, body
):
    letter, row = delivered(mail_server)
    report = read_report(auto_reply(row.id, subject, headers, body))
    assert (report.auto_reply, report.type) == (True, None)
    path = tmp_path / "reply.eml"
    path.write_bytes(auto_reply(row.id, subject, headers, body))
    assert "the office sent an automatic reply" in read_file(site, path)
    assert status_of(letter.id) == LetterStatus.SENT  # delivered, and it stays so
    assert db.session.get(Letter, letter.id).mp.bounced_address is None
    assert not mail_server.to("jane@example.com")[1:]  # only the writer's copy, no "failed"
    history = [e.detail for e in db.session.get(Letter, letter.id).events]
    assert sum("automatic reply" in d for d in history) == 1
    read_file(site, path)  # the same reply again: read before, nothing added
    history = [e.detail for e in db.session.get(Letter, letter.id).events]
    assert sum("automatic reply" in d for d in history) == 1


def test_a_refusal_that_is_the_sites_fault_is_booked_on_nobody(site, mail_server, tmp_path):
    from app.accounts.sign_in import create_admin

    create_admin("ops@example.org", ADMIN_PASSWORD)
    letter, row = delivered(mail_server)
    data = site_fault_dsn(row.id, MP_ADDRESS)
    assert read_report(data).type == BounceType.SITE
    path = tmp_path / "dsn.eml"
    path.write_bytes(data)
    assert "goes again" in read_file(site, path)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.mp.bounced_address is None  # the MP's address is fine
    assert letter.status == LetterStatus.QUEUED  # it will go again...
    again = db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.letter_id == letter.id,
            OutboxEmail.kind == EmailKind.MP_LETTER,
            OutboxEmail.id != row.id,
        )
    ).one()
    assert again.not_before > utcnow() + timedelta(minutes=50)  # ...after a pause
    kinds = db.session.scalars(select(OutboxEmail.kind).where(OutboxEmail.letter_id == letter.id))
    assert EmailKind.DELIVERY_FAILED not in set(kinds)  # the writer is not told it failed
    [notice] = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.kind == EmailKind.SITE_PROBLEM)
    ).all()
    assert notice.to_address == "ops@example.org"
    from app.outbox.health import mail_health

    health = mail_health()
    assert health.refused == 1
    assert "spamhaus" in health.last_refusal


def test_the_site_s_refusals_never_suppress_a_subscriber(site, mail_server):
    from app.bounces.handling import handle
    from app.bounces.reports import Report
    from tests.builders.alerts import subscriber

    person = subscriber("sam@example.com")
    for _ in range(4):
        row = OutboxEmail(kind=EmailKind.SUBSCRIBE_CONFIRM, subscriber_id=person.id)
        db.session.add(row)
        db.session.commit()
        handle(Report(row.id, BounceType.SITE, "550 5.7.1 rejected: DMARC policy"))
    db.session.expire_all()
    assert str(db.session.get(type(person), person.id).status) == "confirmed"


BROKEN = {
    "raw 8-bit subject": b"From: MAILER-DAEMON@x.example\nSubject: Unzustellbar \xfc\xe4\n\n550 no\n",
    "idna charset": (b"From: MAILER-DAEMON@x.example\nSubject: failure notice\n"
                     b"Content-Type: text/plain; charset=idna\n\n\xe9\xe9 550 5.1.1 unknown\n"),
    "truncated MIME": (b"From: MAILER-DAEMON@x.example\nContent-Type: multipart/report; "
                       b"report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: "
                       b"message/delivery-status\n\nAction: fa"),
    "binary junk": bytes(range(256)) * 40,
    "10 MB": b"Subject: Undelivered Mail\n\n" + b"x" * 10_000_000,
}  # fmt: skip


def test_a_maildir_with_broken_reports_in_the_middle_is_read_to_the_end(
    site, mail_server, tmp_path
):
    first, first_row = delivered(mail_server)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(sample("postfix_dsn.eml", outbox_id=first_row.id, recipient=MP_ADDRESS))
    for data in BROKEN.values():
        box.add(data)
    last, last_row = delivered(mail_server, email="john@example.com")
    box.add(sample("postfix_dsn.eml", outbox_id=last_row.id, recipient=MP_ADDRESS))
    box.close()

    output = read_file(site, tmp_path / "Maildir")
    assert status_of(first.id) == status_of(last.id) == LetterStatus.FAILED  # both ends read
    counted = sum(int(line.split(" ", 1)[0]) for line in output.splitlines())
    assert counted == len(BROKEN) + 2  # every message has an outcome
    assert db.session.scalar(select(func.count()).select_from(ReadReport)) == len(BROKEN) + 2
    assert db.session.scalar(select(func.count()).select_from(Bounce)) == 2

    again = read_file(site, tmp_path / "Maildir")  # a rerun acts on nothing twice
    assert again.strip() == f"{len(BROKEN) + 2} ignored: read before"
    unread = site.test_cli_runner().invoke(args=["bounces", "unread"])
    assert unread.exit_code == 0
    assert "kept" in unread.output


def test_an_unreadable_input_is_the_only_failure(site, tmp_path):
    result = site.test_cli_runner().invoke(args=["bounces", "read", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "Cannot read" in result.output


def test_the_smtp_intake_takes_any_report_and_postmaster(site, mail_server):
    port = free_port()
    ALLOWED_SMTP_PORTS.add(port)
    door = smtp_intake("127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for data in (BROKEN["raw 8-bit subject"], BROKEN["idna charset"]):
                refused = client.sendmail("", [f"bounces@{BOUNCE_DOMAIN}"], data)
                assert refused == {}  # 250: ours once accepted
            assert client.sendmail("", ["postmaster"], b"Subject: hello\n\nhi\n") == {}
            assert client.sendmail("", [f"postmaster@{BOUNCE_DOMAIN}"], b"Subject: x\n\nx\n") == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("", ["someone@elsewhere.example"], b"Subject: x\n\nx\n")
    finally:
        door.stop()
        ALLOWED_SMTP_PORTS.discard(port)
    assert db.session.scalar(select(func.count()).select_from(ReadReport)) == 4


def sent_in_a_digest():
    """Two letters the relay took in one office's daily digest."""
    letters = [confirmed_letter(email=f"w{i}@example.com") for i in range(2)]
    digest = OutboxEmail(kind=EmailKind.DIGEST, letter_id=letters[0].id)
    db.session.add(digest)
    db.session.flush()
    for letter in letters:
        letter.digest_outbox_id = digest.id
        letter.move_to(LetterStatus.SENT, detail="in the office's daily digest")
    db.session.commit()
    return letters, digest


def test_a_digest_that_bounces_fails_each_letter_and_flags_the_office(site, mail_server, tmp_path):
    letters, digest = sent_in_a_digest()
    path = tmp_path / "dsn.eml"
    path.write_bytes(sample("postfix_dsn.eml", outbox_id=digest.id, recipient=MP_ADDRESS))
    assert "2 letters failed" in read_file(site, path)
    for letter in letters:
        assert status_of(letter.id) == LetterStatus.FAILED
        told = db.session.scalars(
            select(OutboxEmail).where(
                OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.DELIVERY_FAILED
            )
        ).all()
        assert len(told) == 1
    assert db.session.get(Letter, letters[0].id).mp.bounced_address == MP_ADDRESS


def test_reports_read_are_forgotten_after_their_period(site, tmp_path):
    from app.privacy.retention import purge
    from app.privacy.schedule import READ_REPORT_DAYS

    path = tmp_path / "junk.eml"
    path.write_bytes(BROKEN["raw 8-bit subject"])
    read_file(site, path)
    purge(utcnow() + timedelta(days=READ_REPORT_DAYS) - timedelta(hours=1))
    assert db.session.scalar(select(func.count()).select_from(ReadReport)) == 1
    purge(utcnow() + timedelta(days=READ_REPORT_DAYS) + timedelta(hours=1))
    assert db.session.scalar(select(func.count()).select_from(ReadReport)) == 0


def test_a_letter_refused_three_times_for_the_site_waits_for_an_admin(site, mail_server, tmp_path):
    letter, row = delivered(mail_server)
    for attempt in range(3):
        path = tmp_path / f"dsn{attempt}.eml"
        path.write_bytes(site_fault_dsn(row.id, MP_ADDRESS))
        read_file(site, path)
        if attempt < 2:
            row = db.session.scalars(
                select(OutboxEmail)
                .where(OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.MP_LETTER)
                .order_by(OutboxEmail.id.desc())
            ).first()
            row.not_before = utcnow()  # the pauses are over: the letter's and its domain's
            db.session.execute(update(DomainPause).values(until=utcnow()))
            db.session.commit()
            deliver()  # accepted by the relay again, then refused again
            assert status_of(letter.id) == LetterStatus.SENT
    assert status_of(letter.id) == LetterStatus.HELD  # for a moderator, not failed
    held = db.session.get(Letter, letter.id)
    assert "site's reasons" in held.hold_reason
    assert held.mp.bounced_address is None


def test_a_letter_sent_again_after_a_site_refusal_gets_one_copy(site, mail_server, tmp_path):
    letter, row = delivered(mail_server)
    deliver()  # the constituent's copy
    path = tmp_path / "dsn.eml"
    path.write_bytes(site_fault_dsn(row.id, MP_ADDRESS))
    read_file(site, path)
    db.session.execute(update(OutboxEmail).values(not_before=utcnow()))
    db.session.execute(update(DomainPause).values(until=utcnow()))
    db.session.commit()
    deliver()
    deliver()
    assert status_of(letter.id) == LetterStatus.SENT
    assert len(mail_server.to(MP_ADDRESS)) == 2  # the MP's server took it twice
    copies = db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.CONSTITUENT_COPY
        )
    ).all()
    assert len(copies) == 1


def test_a_digest_refused_for_the_site_puts_its_letters_back(site, mail_server, tmp_path):
    letters, digest = sent_in_a_digest()
    path = tmp_path / "dsn.eml"
    path.write_bytes(site_fault_dsn(digest.id, MP_ADDRESS))
    assert "2 letters back in the queue" in read_file(site, path)
    for letter in letters:
        db.session.expire_all()
        back = db.session.get(Letter, letter.id)
        assert (back.status, back.digest_outbox_id) == (LetterStatus.QUEUED, None)


def test_a_pipe_asks_the_mta_to_try_again_when_the_fault_is_ours(site, mail_server, monkeypatch):
    letter, row = delivered(mail_server)

    def database_away(report):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("app.bounces.intake.handle", database_away)
    data = sample("postfix_dsn.eml", outbox_id=row.id, recipient=MP_ADDRESS)
    result = site.test_cli_runner().invoke(args=["bounces", "read", "-"], input=data)
    assert result.exit_code == 75  # EX_TEMPFAIL: Postfix keeps the report
    assert db.session.scalar(select(func.count()).select_from(ReadReport)) == 0  # not remembered
    monkeypatch.undo()
    result = site.test_cli_runner().invoke(args=["bounces", "read", "-"], input=data)
    assert result.exit_code == 0
    assert status_of(letter.id) == LetterStatus.FAILED  # read again, and acted on
