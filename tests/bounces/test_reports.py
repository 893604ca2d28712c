"""Reading bounce reports of the shapes real servers send: which email, and what failed."""

from __future__ import annotations

import re

import pytest

from app.bounces.models import BounceType
from app.bounces.reports import read_report
from app.outbox.return_path import outbox_id_in, return_path
from tests.bounces.builders import BOUNCE_DOMAIN, sample


@pytest.fixture
def verp_app(make_app):
    app = make_app(BOUNCE_DOMAIN=BOUNCE_DOMAIN)
    with app.app_context():
        yield app


def test_a_return_path_names_its_email_and_only_a_genuine_one_counts(verp_app):
    address = return_path(4217)
    local, _, domain = address.partition("@")
    assert domain == BOUNCE_DOMAIN
    assert local.startswith("bounces+4217-")
    assert outbox_id_in(f"<{address}>") == 4217
    assert outbox_id_in(address.upper()) == 4217  # a server that upper-cases local parts
    assert outbox_id_in(address.replace("4217-", "4218-")) is None  # another id, same signature
    assert outbox_id_in("bounces+4217@" + BOUNCE_DOMAIN) is None  # unsigned
    assert outbox_id_in(address.replace(BOUNCE_DOMAIN, "elsewhere.example")) is None


def test_no_return_path_without_a_bounce_domain(make_app):
    app = make_app()
    with app.app_context():
        assert return_path(1) is None
        assert outbox_id_in("bounces+1-0123456789ab@example.org") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("postfix_dsn.eml", BounceType.RECIPIENT),
        ("exim_plain.eml", BounceType.RECIPIENT),
        ("exchange_dsn.eml", BounceType.RECIPIENT),
        ("postfix_soft.eml", BounceType.TRANSIENT),
        ("arf_complaint.eml", BounceType.COMPLAINT),
        ("postfix_delayed.eml", None),  # a warning, not a failure
    ],
)
def test_each_shape_is_attributed_and_classified(verp_app, name, expected):
    report = read_report(sample(name, outbox_id=77, recipient="someone@example.com"))
    assert report.outbox_id == 77
    assert report.type == expected
    if expected in (BounceType.RECIPIENT, BounceType.TRANSIENT):
        assert re.match(r"[45]", report.diagnostic)  # the status or reply code comes first
        assert len(report.diagnostic) <= 300
    assert "someone@example.com" not in report.diagnostic  # kept for admins: no address


def test_a_report_with_a_forged_return_path_is_about_nothing(verp_app):
    data = sample("postfix_dsn.eml", outbox_id=77, recipient="someone@example.com")
    forged = data.replace(
        return_path(77).encode(), b"bounces+77-000000000000@" + BOUNCE_DOMAIN.encode()
    )
    assert read_report(forged).outbox_id is None


def test_the_envelope_recipient_alone_is_enough(verp_app):
    data = b"From: MAILER-DAEMON@x.example\r\nSubject: failure\r\n\r\n550 5.1.1 no such user\r\n"
    report = read_report(data, [return_path(5)])
    assert (report.outbox_id, report.type) == (5, BounceType.RECIPIENT)


@pytest.mark.parametrize(
    "junk",
    [b"", b"\x00\xff\xfe", b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\n",
     b"Subject: hello\r\n\r\nThanks for your email, I am out of the office."],
)  # fmt: skip
def test_junk_is_read_as_nothing(verp_app, junk):
    report = read_report(junk)
    assert report.outbox_id is None


def _report(verp: str, body: str, content_type: str = "text/plain; charset=us-ascii") -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.elsewhere.example\nTo: {verp}\n"
        f"Subject: Undelivered Mail Returned to Sender\nContent-Type: {content_type}\n\n{body}"
    ).encode()


def test_a_report_whose_mime_boundary_never_comes_is_read_as_text(verp_app):
    verp = return_path(77)
    body = (
        "--a-boundary-that-is-not-the-declared-one\nContent-Type: text/plain\n\n"
        "<constituent@elsewhere.example>: host mx.elsewhere.example said:\n"
        "    550 5.1.1 <constituent@elsewhere.example>: User unknown\n"
    )
    report = read_report(_report(verp, body, 'multipart/report; boundary="declared"'))
    assert (report.outbox_id, report.type) == (77, BounceType.RECIPIENT)


def test_the_servers_reply_decides_before_the_reports_other_words(verp_app):
    """ "MAIL FROM:" in the report's summary of the message is not a refusal of the sender."""
    body = (
        "Error: Invalid user address\nError message below:\n"
        "550 - Requested action not taken: no such user here\n\nMessage details:\n"
        "  MAIL FROM: bounces@site.example\n  RCPT TO: constituent@elsewhere.example\n"
    )
    assert read_report(_report(return_path(78), body)).type == BounceType.RECIPIENT


def test_a_refusal_of_the_sites_own_domain_is_the_sites(verp_app):
    body = (
        "A message that you sent could not be delivered. The following address failed:\n\n"
        f"  constituent@elsewhere.example\n    553 5.1.0 {BOUNCE_DOMAIN} does not exist\n"
    )
    assert read_report(_report(return_path(79), body)).type == BounceType.SITE


def test_a_diagnostic_continued_without_indentation_keeps_its_fields(verp_app):
    dsn = (
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n\n--b\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.elsewhere.example\n"
        "Diagnostic-Code: smtp; 550-Please turn on SMTP Authentication in your mail client.\n"
        "550 relay through this server without authentication.\nStatus: 5.7.1\n"
        "Action: failed\nFinal-Recipient: rfc822; constituent@elsewhere.example\n\n--b--\n"
    )
    content_type = 'multipart/report; report-type=delivery-status; boundary="b"'
    report = read_report(_report(return_path(80), dsn, content_type))
    assert (report.outbox_id, report.type) == (80, BounceType.SITE)
