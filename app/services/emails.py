"""Building each kind of email from its outbox row.

Every email is From the site's own address: a constituent's address in From
would fail DMARC at the MP's server. Letters to MPs carry the constituent in
Reply-To, so the MP's reply goes straight to them. Transactional mail carries
no List-* headers; alert mail adds them (app/services/alerts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template

from app.models import EmailKind, MessageStatus, OutboxEmail
from app.services.links import external_url
from app.services.messages import confirmation_token


class Unsendable(Exception):
    """This email can never be sent as it stands (e.g. the MP has no address)."""


def person(name: str, address: str) -> Address:
    """An address for a header; Unsendable if either part could forge a header."""
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, TypeError, IndexError) as exc:
        raise Unsendable("unsafe or unusable address in a header") from exc


def site_sender(display_name: str | None = None) -> Address:
    """The site's own From address, optionally with another display name."""
    name, addr = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return person(display_name or name or current_app.config["SITE_NAME"], addr)


def new_email(
    row: OutboxEmail,
    *,
    to: Address,
    subject: str,
    text: str,
    sender: Address | None = None,
    reply_to: Address | None = None,
    automatic: bool = True,
) -> EmailMessage:
    """An EmailMessage with the headers every email needs. Raises Unsendable on unsafe headers."""
    sender = sender or site_sender()
    email = EmailMessage(policy=policy.SMTP)
    try:
        email["From"] = sender
        email["To"] = to
        if reply_to is not None:
            email["Reply-To"] = reply_to
        email["Subject"] = subject
    except (ValueError, TypeError) as exc:
        # Form validation rejects CR/LF; the standard library refuses them
        # too. Either way nothing with a forged header leaves.
        raise Unsendable(f"unsafe header value ({type(exc).__name__})") from exc
    email["Date"] = format_datetime(datetime.now(UTC))
    # The same id on every attempt lets receiving servers drop a duplicate.
    email["Message-ID"] = f"<{row.kind}.{row.id}@{sender.domain or 'localhost'}>"
    if automatic:
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(text, cte="quoted-printable")
    return email


def _context(row: OutboxEmail) -> dict:
    message = row.message
    return {
        "message": message,
        "campaign": message.campaign,
        "mp": message.mp,
        "constituency": message.constituency,
        "site_name": current_app.config["SITE_NAME"],
        "site_url": current_app.config["SITE_URL"],
        "campaign_url": external_url("public.campaign", slug=message.campaign.slug),
        "link_days": current_app.config["CONFIRM_LINK_DAYS"],
    }


def letter_text(*, message, campaign, constituency) -> str:
    """The text an MP receives (also used for the campaign editor's preview)."""
    return render_template(
        "email/mp_letter.txt",
        message=message,
        campaign=campaign,
        constituency=constituency,
        site_name=current_app.config["SITE_NAME"],
        site_url=current_app.config["SITE_URL"],
    )


def _to_constituent(row: OutboxEmail, subject: str, template: str, **extra) -> EmailMessage:
    message = row.message
    text = render_template(f"email/{template}", **_context(row), **extra)
    return new_email(
        row, to=person(message.sender_name, message.sender_email), subject=subject, text=text
    )


def _confirmation(row: OutboxEmail, *, reminder: bool = False) -> EmailMessage | None:
    message = row.message
    if message.status != MessageStatus.PENDING:
        return None  # already confirmed or expired: nothing to ask any more
    link = external_url("public.confirm", token=confirmation_token(message))
    subject = (
        f"Reminder: your message to {message.mp.name} is waiting for you"
        if reminder
        else f"Confirm your message to {message.mp.name}"
    )
    return _to_constituent(row, subject, "confirm.txt", link=link, reminder=reminder)


def _mp_letter(row: OutboxEmail) -> EmailMessage | None:
    message = row.message
    if message.status != MessageStatus.QUEUED:
        return None  # cancelled, held or already sent by another route
    mp = message.mp
    if mp.email is None:
        raise Unsendable("the MP has no usable email address")
    site_name = current_app.config["SITE_NAME"]
    text = letter_text(
        message=message, campaign=message.campaign, constituency=message.constituency
    )
    return new_email(
        row,
        to=person(mp.name, mp.email),
        subject=message.subject,
        text=text,
        sender=site_sender(f"{message.sender_name} via {site_name}"),
        reply_to=person(message.sender_name, message.sender_email),
        automatic=False,
    )


def _copy(row: OutboxEmail) -> EmailMessage:
    return _to_constituent(row, f"Sent: your message to {row.message.mp.name}", "copy.txt")


def _failed(row: OutboxEmail) -> EmailMessage:
    return _to_constituent(
        row, f"We could not deliver your message to {row.message.mp.name}", "failed.txt"
    )


def _rejected(row: OutboxEmail) -> EmailMessage:
    return _to_constituent(
        row, f"Your message to {row.message.mp.name} was not sent", "rejected.txt"
    )


BUILDERS: dict[str, Callable[[OutboxEmail], EmailMessage | None]] = {
    EmailKind.CONFIRMATION: _confirmation,
    EmailKind.REMINDER: lambda row: _confirmation(row, reminder=True),
    EmailKind.MP_LETTER: _mp_letter,
    EmailKind.CONSTITUENT_COPY: _copy,
    EmailKind.DELIVERY_FAILED: _failed,
    EmailKind.REJECTED: _rejected,
}


def register_builder(kind: str, builder: Callable[[OutboxEmail], EmailMessage | None]) -> None:
    """Other modules (subscribers, alerts) add the kinds they own."""
    BUILDERS[kind] = builder


def build_email(row: OutboxEmail) -> EmailMessage | None:
    """The email for an outbox row; None when it no longer needs sending.

    Raises Unsendable when it can never be sent.
    """
    builder = BUILDERS.get(row.kind)
    if builder is None:
        raise Unsendable(f"no builder for email kind {row.kind!r}")
    return builder(row)
