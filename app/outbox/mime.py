"""Building each kind of email from its outbox row.

Every email is From the site's own address: a constituent's address in From
would fail DMARC at the MP's server. Letters to MPs carry the constituent in
Reply-To, so the MP's reply goes straight to them. Transactional mail carries
no List-* headers; alert mail adds them (app/alerts/emails.py).

Each is rendered straight to the bytes the worker sends (`new_email`):
building an `EmailMessage`, whose header registry parses every header it is
given, took several times longer than sending the email. It is kept for the
rare address beyond ASCII, which needs SMTPUTF8.
"""

from __future__ import annotations

import binascii
import functools
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app
from jinja2 import Template

from app.adapters.smtp import RawEmail
from app.outbox.models import OutboxEmail
from app.outbox.return_path import outbox_signature
from app.text import is_header_safe

# What a builder returns: rendered bytes with their envelope, or (an address
# beyond ASCII) a message for smtplib to render and send with SMTPUTF8.
Email = RawEmail | EmailMessage


class Unsendable(Exception):
    """The recipient cannot be mailed (the MP has no address, a subscriber's
    address is unusable): the email fails, and its kind's on_failed runs."""


class NotYet(Exception):
    """The email must wait, through no one's fault (the MP's address bounced
    and an admin has not yet set another): tried again later, never given up."""


class Unbuildable(Exception):
    """The site cannot build this email (an unsafe header value, a template
    error): a site problem, booked against nobody. Its text names no person."""


# Headers are written as text: a display name of plain words as it is, other
# ASCII quoted (RFC 5322), and a name or subject beyond ASCII as RFC 2047
# encoded words folded by email.header (the header registry's folding loses a
# space where two encoded words meet).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9'_-]+(?: [A-Za-z0-9'_-]+)*")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_LINE = 78  # RFC 5322's recommended line length; longer headers are folded


@dataclass(frozen=True)
class Mailbox:
    """A checked name and address for a header (see `person`)."""

    display_name: str
    addr_spec: str

    @property
    def domain(self) -> str:
        return self.addr_spec.rpartition("@")[2]

    def as_address(self) -> Address:
        if self.addr_spec.isascii():
            return Address(display_name=self.display_name, addr_spec=self.addr_spec)
        # The header registry refuses a local part beyond ASCII given as one
        # addr_spec, though SMTPUTF8 carries it: given in parts it is kept.
        username, _, domain = self.addr_spec.rpartition("@")
        if not username or not domain:
            raise ValueError("not an address")
        return Address(display_name=self.display_name, username=username, domain=domain)

    def header_text(self, header: str) -> str:
        name, address = self.display_name, self.addr_spec
        if not name:
            return address
        if _PLAIN_NAME.fullmatch(name):
            return f"{name} <{address}>"
        if _is_plain_ascii(name):
            return formataddr((name, address))  # quoted, with \ and " escaped
        return _with_address(_folded(name, header), address, header)


def person(name: str, address: str) -> Mailbox:
    """An address for a header; Unbuildable if either part could forge a header."""
    if not (is_header_safe(name) and is_header_safe(address)):
        raise Unbuildable("unsafe or unusable address in a header")
    mailbox = Mailbox(name, address)
    if not _PLAIN_ADDRESS.fullmatch(address):
        try:
            mailbox.as_address()  # the header registry's check of the address's syntax
        except (ValueError, TypeError, IndexError) as exc:
            raise Unbuildable("unsafe or unusable address in a header") from exc
    return mailbox


# An address as it must be to stand in an SMTP envelope (MAIL FROM) as it is:
# printable ASCII, no space or angle bracket, one @.
_ENVELOPE_ADDRESS = re.compile(r"[!-;=?A-~]+@[!-;=?A-~]+")


def is_usable_sender(text: str) -> bool:
    """`Name <address>` or an address that the worker can put in From and in
    the envelope: checked where an admin sets a sender, so it is never saved
    unusable."""
    if not is_header_safe(text):
        return False
    name, address = parseaddr(text)
    if not _ENVELOPE_ADDRESS.fullmatch(address):
        return False
    try:
        person(name, address)
    except Unbuildable:
        return False
    return True


def site_sender(display_name: str | None = None) -> Mailbox:
    """The site's own From address, optionally with another display name."""
    name, addr = _parsed(current_app.config["MAIL_DEFAULT_SENDER"])
    return person(display_name or name or current_app.config["SITE_NAME"], addr)


@functools.lru_cache(maxsize=8)
def _parsed(address: str) -> tuple[str, str]:
    return parseaddr(address)  # a sixth of building an email, parsed anew each time


def date_header() -> str:
    """Now, as an email's Date: formatted once a second, not for every email
    (format_datetime took an eighth of building one)."""
    return _date_at(int(time.time()))


@functools.lru_cache(maxsize=1)
def _date_at(second: int) -> str:
    return format_datetime(datetime.fromtimestamp(second, UTC))


def render_email(template: str, **context) -> str:
    """An email template rendered by Jinja itself: emails use nothing of a
    request's, and Flask's render_template added its context to every one.

    Jinja's own `render` copies the template's globals out of a ChainMap for
    each render (20 µs, a tenth of building a letter's two emails); here
    they are copied from a plain dict made once per template."""
    found = current_app.jinja_env.get_template(f"email/{template}")
    variables = found.new_context({**_flat_globals(found), **context}, shared=True)
    try:
        return found.environment.concat(found.root_render_func(variables))
    except Exception:
        found.environment.handle_exception()  # Jinja's traceback, naming the template's line
        raise  # (handle_exception always raises)


@functools.lru_cache(maxsize=64)
def _flat_globals(template: Template) -> dict:
    """The template's globals (the app's, set up before any is loaded) as one dict."""
    return dict(template.globals)


def _is_plain_ascii(text: str) -> bool:
    """Printable ASCII that no reader would take for an encoded word."""
    return text.isascii() and text.isprintable() and "=?" not in text


def _folded(text: str, header: str, charset: str = "utf-8") -> str:
    """`text` folded between words by email.header, as RFC 2047 encoded words
    unless ASCII is asked for (each space then inside a word, so none is lost
    where two meet), and never folded before its first word."""
    encoded = Header(text, charset, header_name=header).encode(linesep="\r\n")
    return encoded.removeprefix("\r\n ")


def _with_address(name: str, address: str, header: str) -> str:
    """An encoded display name and its address, the address on a line of its own
    if it would make the name's last line too long."""
    last = name.rpartition("\n")[2] if "\n" in name else f"{header}: {name}"
    space = " " if len(last) + len(address) + 3 <= _LINE else "\r\n "
    return f"{name}{space}<{address}>"


def _subject_line(subject: str) -> bytes:
    if not is_header_safe(subject):
        raise Unbuildable("unsafe header value in Subject")
    if not _is_plain_ascii(subject):
        subject = _folded(subject, "Subject")
    elif len(subject) > _LINE - len("Subject: "):
        subject = _folded(subject, "Subject", "us-ascii")
    return f"Subject: {subject}\r\n".encode()


def text_part(subtype: str, body: str) -> bytes:
    """A text MIME part's headers and body, UTF-8 in quoted-printable, CRLF lines."""
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\r\n", b"\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + encoded.replace(b"\n", b"\r\n")


def new_email(
    row: OutboxEmail,
    *,
    to: Mailbox,
    subject: str,
    text: str,
    sender: Mailbox | None = None,
    reply_to: Mailbox | None = None,
    automatic: bool = True,
    extra_headers: dict[str, str] | None = None,
) -> Email:
    """The email, rendered, with the headers every email needs (and
    `extra_headers`, ASCII text of one line). Raises Unbuildable on unsafe
    headers. An address beyond ASCII needs SMTPUTF8, which smtplib's
    send_message negotiates: that rare email stays an EmailMessage."""
    sender = sender or site_sender()
    mailboxes = {"From": sender, "To": to, "Reply-To": reply_to}
    own = _own_headers(row, sender, automatic)
    for name, value in (extra_headers or {}).items():
        if not (value.isascii() and is_header_safe(value)):
            raise Unbuildable(f"unsafe value for {name}")
        own[name] = value
    if not all(mailbox.addr_spec.isascii() for mailbox in mailboxes.values() if mailbox):
        return _email_message(mailboxes, subject, own, text)
    headers = [f"{name}: {mailbox.header_text(name)}\r\n".encode()
               for name, mailbox in mailboxes.items() if mailbox]  # fmt: skip
    headers.append(_subject_line(subject))
    lines = [f"{name}: {value}" for name, value in own.items()] + ["MIME-Version: 1.0"]
    data = b"".join(headers) + "\r\n".join(lines).encode() + b"\r\n" + text_part("plain", text)
    return RawEmail(sender.addr_spec, to.addr_spec, data)


def message_id(row: OutboxEmail, domain: str) -> str:
    """`<kind.id.token@domain>`: the same on every attempt at the row's email
    (receiving servers drop a duplicate by it), and unique across databases,
    as the row's random token (stored when it was queued) is: a staging copy,
    a restore or a second install each number their rows from 1 too. It says
    which row it names, and the token proves it (a relay's webhook finds the
    email by it: outbox_reference)."""
    return f"<{row.kind}.{row.id}.{row.message_token}@{domain or 'localhost'}>"


_MESSAGE_ID = re.compile(r"<?[a-z_]{1,12}\.([0-9]{1,18})\.([0-9a-f]{32})@[^\s<>@]+>?")


def outbox_reference(text: str) -> tuple[int, str] | None:
    """The (outbox id, token) a Message-ID of ours names, unchecked; None when
    it is not one of ours in shape. Check the token against the row's."""
    found = _MESSAGE_ID.fullmatch(text.strip().lower())
    return (int(found.group(1)), found.group(2)) if found else None


def relay_headers(row: OutboxEmail) -> dict[str, str]:
    """What the relay is told of the email, by what is configured. With
    Mailgun's webhook set up (MAILGUN_WEBHOOK_SIGNING_KEY), the row's id and
    its return path's signature, in X-Mailgun-Variables: Mailgun rewrites the
    envelope sender, and hands these back in each event instead
    (app/bounces/mailgun.py)."""
    if not current_app.config.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        return {}
    variables = {"outbox_id": str(row.id), "sig": outbox_signature(row.id)}
    return {"X-Mailgun-Variables": json.dumps(variables)}


def _own_headers(row: OutboxEmail, sender: Mailbox, automatic: bool) -> dict[str, str]:
    headers = {"Date": date_header(), "Message-ID": message_id(row, sender.domain)}
    headers.update(relay_headers(row))
    if automatic:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def _email_message(mailboxes: dict, subject: str, own: dict[str, str], text: str):
    email = EmailMessage(policy=policy.SMTP)
    try:
        for name, mailbox in mailboxes.items():
            if mailbox is not None:
                email[name] = mailbox.as_address()
        email["Subject"] = subject
    except (ValueError, TypeError) as exc:
        # Form validation rejects CR/LF; the standard library refuses them
        # too. Either way nothing with a forged header leaves.
        raise Unbuildable(f"unsafe header value ({type(exc).__name__})") from exc
    for name, value in own.items():
        email[name] = value
    email.set_content(text, cte="quoted-printable")
    return email
