"""What a bounce report does, through each of its three doors: the file
(`flask bounces read`), the SMTP listener and the SES/SNS webhook."""

from __future__ import annotations

import base64
import datetime as dt
import json
import mailbox
import smtplib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select, update

from app.alerts.models import SubscriberStatus
from app.bounces.handling import handle
from app.bounces.intake import smtp_intake
from app.bounces.models import Bounce, BounceType
from app.bounces.reports import Report
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.outbox.return_path import return_path
from app.reference.mps import set_email_override
from devtools.mailcatcher import free_port
from tests.bounces.builders import BOUNCE_DOMAIN, sample
from tests.builders.admins import signed_in_client
from tests.builders.alerts import an_admin, new_alert, send, subscriber
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.mail import ALLOWED_SMTP_PORTS
from tests.builders.outbox import deliver, fresh, outbox_row
from tests.web.test_metrics import TOKEN, scrape, value

TOPIC = "arn:aws:sns:eu-west-2:123456789012:ses-bounces"
CERT_URL = "https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-test.pem"
FAILED_SUBJECT = "We could not deliver your letter"


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN,
                   SNS_TOPIC_ARNS=[TOPIC], METRICS_TOKEN=TOKEN, **NO_MODERATION)  # fmt: skip
    with app.app_context():
        yield app


@pytest.fixture
def sns_key(site):
    """A key and certificate standing in for SNS's, cached where the webhook looks."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))  # fmt: skip
    site.extensions.setdefault("sns_certificates", {})[CERT_URL] = cert
    return key


def sns_message(key, notice: dict, *, topic: str = TOPIC, cert_url: str = CERT_URL) -> bytes:
    message = {
        "Type": "Notification", "MessageId": "b1f2", "TopicArn": topic,
        "Message": json.dumps(notice), "Timestamp": "2026-12-01T10:00:00.000Z",
        "SignatureVersion": "2", "SigningCertURL": cert_url,
    }  # fmt: skip
    text = "".join(f"{k}\n{message[k]}\n" for k in ("Message", "MessageId", "Timestamp",
                                                     "TopicArn", "Type"))  # fmt: skip
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    message["Signature"] = base64.b64encode(signature).decode()
    return json.dumps(message).encode()


def ses_bounce(row_id: int, bounce_type: str = "Permanent") -> dict:
    return {
        "notificationType": "Bounce",
        "mail": {"source": return_path(row_id), "destination": [MP_ADDRESS]},
        "bounce": {"bounceType": bounce_type, "bouncedRecipients": [
            {"emailAddress": MP_ADDRESS, "status": "5.1.1",
             "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
    }  # fmt: skip


def through_the_file(site, tmp_path, data: bytes) -> str:
    path = tmp_path / "report.eml"
    path.write_bytes(data)
    result = site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def through_smtp(data: bytes, recipient: str) -> None:
    port = free_port()
    ALLOWED_SMTP_PORTS.add(port)
    door = smtp_intake("127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("", [recipient], data)
    finally:
        door.stop()
        ALLOWED_SMTP_PORTS.discard(port)


def delivered_letter(mail_server):
    letter = confirmed_letter()
    deliver()
    [sent] = mail_server.to(MP_ADDRESS)
    row = outbox_row(letter)
    assert sent.mail_from == return_path(row.id)  # the envelope names the email
    return letter, row


@pytest.mark.parametrize("door", ["file", "smtp", "sns"])
def test_a_letter_that_bounces_fails_its_writer_is_told_once_and_the_mp_is_flagged(
    site, mail_server, sns_key, tmp_path, door
):
    letter, row = delivered_letter(mail_server)
    counted = {"kind": "mp_letter", "type": "recipient"}
    before = value(scrape(site.test_client()), "wtym_bounces_total", **counted)
    report = sample("postfix_dsn.eml", outbox_id=row.id, recipient=MP_ADDRESS)
    sends = {
        "file": lambda: through_the_file(site, tmp_path, report),
        "smtp": lambda: through_smtp(report, return_path(row.id)),
        "sns": lambda: site.test_client().post("/bounces/sns", data=sns_message(
            sns_key, ses_bounce(row.id))),
    }  # fmt: skip
    sends[door]()
    assert fresh(letter).status == LetterStatus.FAILED  # this door alone acted on it
    sends[door]()  # the same report twice: acted on once
    for other in sends.values():  # and through the other doors too
        other()

    letter = fresh(letter)
    assert letter.status == LetterStatus.FAILED
    assert "bounced" in letter.events[-1].detail
    mp = letter.mp
    assert mp.bounced_address == MP_ADDRESS
    assert mp.bounce_diagnostic.startswith("5.1.1")
    deliver()
    told = [m for m in mail_server.to("jane@example.com") if FAILED_SUBJECT in m["Subject"]]
    assert len(told) == 1
    assert letter.body.splitlines()[2] in told[0].text  # their letter comes back with it
    assert db.session.scalar(select(func.count()).select_from(Bounce)) == 1
    after = value(scrape(site.test_client()), "wtym_bounces_total", **counted)
    assert after - before == 1


def test_other_letters_to_a_bounced_address_wait_until_it_changes(site, mail_server, tmp_path):
    _, row = delivered_letter(mail_server)
    through_the_file(site, tmp_path, sample("exchange_dsn.eml", outbox_id=row.id,
                                            recipient=MP_ADDRESS))  # fmt: skip
    second = confirmed_letter(email="sam@example.com", name="Sam Jones")
    deliver()
    waiting = outbox_row(second)
    assert waiting.status == OutboxStatus.QUEUED
    assert "bounced" in waiting.last_error
    assert len(mail_server.to(MP_ADDRESS)) == 1  # only the first, before the bounce

    set_email_override(None, fresh(second).mp_id, "alice.able@new.example.org")
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id == waiting.id)
                       .values(not_before=utcnow()))  # fmt: skip
    db.session.commit()
    deliver()
    assert len(mail_server.to("alice.able@new.example.org")) == 1
    assert fresh(second).status == LetterStatus.SENT


def email_for(person, kind=EmailKind.SUBSCRIBE_CONFIRM) -> OutboxEmail:
    row = OutboxEmail(kind=kind, subscriber_id=person.id, status=OutboxStatus.SENT)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize(
    ("shape", "reason"), [("exim_plain.eml", "bounced"), ("arf_complaint.eml", "complained")]
)
def test_a_hard_bounce_or_a_complaint_suppresses_the_subscriber(site, tmp_path, shape, reason):
    person = subscriber("reader@example.com")
    row = email_for(person)
    through_the_file(site, tmp_path, sample(shape, outbox_id=row.id, recipient=person.email))
    person = fresh(person)
    assert person.status == SubscriberStatus.SUPPRESSED
    assert person.suppressed_reason.startswith(reason)


def test_three_soft_bounces_suppress_and_two_do_not(site, tmp_path):
    person = subscriber("reader@example.com")
    for n in range(1, 4):
        row = email_for(person)
        through_the_file(site, tmp_path, sample("postfix_soft.eml", outbox_id=row.id,
                                                recipient=person.email))  # fmt: skip
        person = fresh(person)
        assert person.soft_bounces == n
        expected = SubscriberStatus.SUPPRESSED if n == 3 else SubscriberStatus.CONFIRMED
        assert person.status == expected


def test_forged_reports_change_nothing(site, mail_server, sns_key, tmp_path):
    letter, row = delivered_letter(mail_server)
    genuine = sample("postfix_dsn.eml", outbox_id=row.id, recipient=MP_ADDRESS)
    unsigned = genuine.replace(return_path(row.id).encode(),
                               f"bounces+{row.id}@{BOUNCE_DOMAIN}".encode())  # fmt: skip
    assert "ignored: no genuine return path" in through_the_file(site, tmp_path, unsigned)
    client = site.test_client()
    forged = sns_message(sns_key, ses_bounce(row.id))
    tampered = forged.replace(b"Permanent", b"Transient")  # the signature no longer fits
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for body in (
        tampered,
        sns_message(other_key, ses_bounce(row.id)),  # signed, by someone else
        sns_message(sns_key, ses_bounce(row.id), topic="arn:aws:sns:eu-west-2:999:theirs"),
        sns_message(sns_key, ses_bounce(row.id), cert_url="https://evil.example/cert.pem"),
    ):
        assert client.post("/bounces/sns", data=body).status_code == 403
    assert client.post("/bounces/sns", data=b"not json").status_code == 400  # malformed
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        through_smtp(genuine, "postmaster@elsewhere.example")  # the listener relays nothing
    assert fresh(letter).status == LetterStatus.SENT
    assert fresh(letter).mp.bounced_address is None
    assert db.session.scalar(select(func.count()).select_from(Bounce)) == 0


def test_an_mbox_of_reports_is_read_whole(site, mail_server, tmp_path):
    people = [subscriber(f"reader{n}@example.com") for n in range(2)]
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    for person in people:
        box.add(sample("exim_plain.eml", outbox_id=email_for(person).id, recipient=person.email))
    box.close()
    result = site.test_cli_runner().invoke(args=["bounces", "read", str(tmp_path / "bounces.mbox")])
    assert "2 subscriber suppressed" in result.output
    assert all(fresh(p).status == SubscriberStatus.SUPPRESSED for p in people)


def test_the_admin_sees_the_bounced_address_and_what_the_server_said(site, mail_server, tmp_path):
    _, row = delivered_letter(mail_server)
    through_the_file(site, tmp_path, sample("postfix_dsn.eml", outbox_id=row.id,
                                            recipient=MP_ADDRESS))  # fmt: skip
    page = signed_in_client(site).get("/admin/mps").get_data(as_text=True)
    section = page.split("whose address bounced (1)")[1].split("<h2>")[0]
    assert "Alice Able" in section
    assert MP_ADDRESS in section
    assert "User unknown" in section


def test_an_alert_with_complaints_past_the_providers_limits_is_flagged(site):
    admin = an_admin()
    people = [subscriber(f"reader{n}@example.com") for n in range(3)]
    alert = send(new_alert(admin), admin)
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.alert_id == alert.id)).all()
    assert len(rows) == len(people)
    client = signed_in_client(site, email="boss@example.org")
    assert "Warning:" not in client.get("/admin/alerts").get_data(as_text=True)
    handle(Report(rows[0].id, BounceType.COMPLAINT, "complaint: abuse"))
    page = client.get("/admin/alerts").get_data(as_text=True)
    assert "complaints at 33.33%" in page


def test_the_dashboard_asks_for_signing_in_production(site):
    client = signed_in_client(site)
    assert "Mail is not signed" not in client.get("/admin/").get_data(as_text=True)
    site.config["APP_ENV"] = "production"
    assert "Mail is not signed" in client.get("/admin/").get_data(as_text=True)
