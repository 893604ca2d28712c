"""Reading bounce reports of the shapes real servers send: which email, and what failed."""

from __future__ import annotations

import re

import pytest

from app.bounces.models import BounceType
from app.bounces.reports import read_report
from app.bounces.return_path import outbox_id_in, return_path
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
