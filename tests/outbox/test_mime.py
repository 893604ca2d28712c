"""Transactional emails rendered straight to bytes (app/outbox/mime.py).

Each rendered email is read back with the standard library's parser, as a
receiving mail client would: every name, address, subject and body must come
back exactly as written, whatever characters it holds, and no line may break a
header open.
"""

from __future__ import annotations

import itertools
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from flask import Flask

from app.adapters.smtp import RawEmail
from app.outbox.mime import Unbuildable, is_usable_sender, new_email, person, site_sender

TOKEN = "0123456789abcdef0123456789abcdef"
ROW = SimpleNamespace(kind="mp_letter", id=42, message_token=TOKEN)


@pytest.fixture(autouse=True)
def site():
    app = Flask(__name__)
    app.config.update(MAIL_DEFAULT_SENDER="Write to your MP <noreply@site.test>", SITE_NAME="Site")
    with app.app_context():
        yield


def render(name="Jane Smith", address="jane@example.com", subject="Expenses", text="Dear MP,\n"):
    email = new_email(
        ROW,
        to=person("Alice Able", "alice.able.mp@parliament.uk"),
        subject=subject,
        text=text,
        sender=site_sender(f"{name} via Site"),
        reply_to=person(name, address),
        automatic=False,
    )
    assert isinstance(email, RawEmail)
    return email


def read(email: RawEmail):
    return message_from_bytes(email.data, policy=policy.default)


def mailbox(received, header: str) -> tuple[str, str]:
    [parsed] = received[header].addresses
    return parsed.display_name, parsed.addr_spec


def body(received) -> str:
    return received.get_content().replace("\r\n", "\n")  # as a mail client shows it


def head_lines(email: RawEmail) -> list[bytes]:
    return email.data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def header_lines(email: RawEmail, name: str) -> list[bytes]:
    """One header as written: its first line and the folded lines after it."""
    lines = head_lines(email)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}: ".encode()))
    rest = itertools.takewhile(lambda line: line.startswith(b" "), lines[start + 1 :])
    return [lines[start], *rest]


def test_a_plain_letter_has_every_header_and_its_envelope():
    email = render()
    received = read(email)
    assert (email.sender, email.recipient) == ("noreply@site.test", "alice.able.mp@parliament.uk")
    assert mailbox(received, "From") == ("Jane Smith via Site", "noreply@site.test")
    assert mailbox(received, "To") == ("Alice Able", "alice.able.mp@parliament.uk")
    assert mailbox(received, "Reply-To") == ("Jane Smith", "jane@example.com")
    assert received["Subject"] == "Expenses"
    assert received["Message-ID"] == f"<mp_letter.42.{TOKEN}@site.test>"
    assert received["Date"].datetime is not None
    assert received["Auto-Submitted"] is None
    assert received.get_content_type() == "text/plain"
    assert body(received) == "Dear MP,\n"
    assert received.defects == []


@pytest.mark.parametrize(
    "name",
    [
        "O'Brien, Jane",  # a comma would split the address list unquoted
        'Jane "JJ" Smith',
        "Dr. Who",
        "back\\slash <x@y>",
        "Siân Ŵyn ap Gruffudd",
        "Zoë\u2009Ōkubo",  # a thin space: non-ASCII, and not a line break
    ],
)
def test_names_come_back_exactly_and_headers_stay_ascii(name):
    name = name.strip()
    email = render(name=name)
    received = read(email)
    assert mailbox(received, "Reply-To") == (name, "jane@example.com")
    assert mailbox(received, "From") == (f"{name} via Site", "noreply@site.test")
    assert all(line.isascii() and len(line) <= 998 for line in head_lines(email))


def test_a_long_name_beyond_ascii_is_split_into_encoded_words():
    name = " ".join(["Zoë Ōkubo-Ñúñez"] * 6)
    email = render(name=name)
    folded = header_lines(email, "Reply-To")
    assert len(folded) > 1
    assert all(len(line) <= 78 for line in folded)
    # RFC 2047's reading (the standard library's newer parser adds a space
    # where adjacent encoded words meet; mail clients follow the RFC).
    value = b"".join(folded).removeprefix(b"Reply-To: ").decode()
    decoded = str(make_header(decode_header(value)))
    assert decoded == f"{name} <jane@example.com>"


@pytest.mark.parametrize(
    "subject",
    [
        "Please publish every receipt " * 7,  # long: folded onto several lines
        "Cân i'r Aelod — treuliau",
        "=?utf-8?q?not_an_encoded_word?=",
        "x" * 200,  # no space to fold at
        "y" * 80 + " then a few more words",
        "double  spaces   kept " * 5,
    ],
)
def test_subjects_come_back_exactly(subject):
    subject = subject.strip()
    email = render(subject=subject)
    assert read(email)["Subject"] == subject
    lines = head_lines(email)
    assert all(line.isascii() for line in lines)
    if all(len(word) < 60 for word in subject.split()):
        assert all(len(line) <= 78 for line in lines)


def test_the_body_survives_any_text():
    text = (
        ".a line that starts with a dot\n"
        "trailing spaces   \n"
        "equals = signs and non-ASCII: £10, café, 🙂\n" + "a very long line " * 20 + "\n"
    )
    email = render(text=text)
    assert body(read(email)) == text
    assert all(len(line) <= 78 for line in email.data.split(b"\r\n"))


@pytest.mark.parametrize(
    "bad",
    ["Jane\r\nBcc: victim@example.com", "Jane\nX: 1", "Jane\u2028X", "Jane\x0bX",
     "Jane\x85X", "Jane\u202eX", "Jane\x00X"],
)  # fmt: skip
def test_a_line_break_or_control_character_in_any_header_is_refused(bad):
    with pytest.raises(Unbuildable):
        render(name=bad)
    with pytest.raises(Unbuildable):
        render(subject=bad)


@pytest.mark.parametrize("bad", ["jane@example.com\r\nBcc: v@example.com", "not an address"])
def test_an_unusable_address_is_refused(bad):
    with pytest.raises(Unbuildable):
        person("Jane", bad)


def test_an_address_beyond_ascii_is_left_to_smtplib():
    """SMTPUTF8 is negotiated by smtplib's send_message, so such an email stays
    an EmailMessage (app/adapters/smtp.py sends either)."""
    email = new_email(
        ROW, to=person("Zoë", "zoe@exämple.com"), subject="Sent: your letter", text="Hello\n"
    )
    assert isinstance(email, EmailMessage)
    assert email["To"].addresses[0].addr_spec == "zoe@exämple.com"
    assert email["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize(
    ("sender", "usable"),
    [("Campaign <alerts@example.org>", True), ("alerts@example.org", True),
     ("Campaign <alerts@@example.org>", False), ("Campaign <not an address>", False),
     ("Camp\x0baign <alerts@example.org>", False), ("Campaign <zoë@example.org>", False),
     ("Campaign\r\nBcc: x@example.org <alerts@example.org>", False)],
)  # fmt: skip
def test_a_sender_must_fit_a_header_and_an_smtp_envelope(sender, usable):
    assert is_usable_sender(sender) is usable
