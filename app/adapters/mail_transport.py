"""Sending email over SMTP, with failures sorted into retry-later and give-up.

Flask-Mail owns the connection settings (MAIL_SERVER, MAIL_PORT, TLS, login)
and opens the connection; the messages themselves are standard-library
`EmailMessage` objects built in app/services/emails.py. One connection is
reused for a whole batch, which is what makes the worker fast.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from app.extensions import mail

log = logging.getLogger(__name__)
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


class SendError(Exception):
    """Base class for a failed send; `reason` is safe to log and store."""

    def __init__(self, reason: str, code: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class RetryableSendError(SendError):
    """A 4xx answer or a connection problem: try again later."""


class PermanentSendError(SendError):
    """A 5xx answer: this message will never be accepted as it is."""


def describe(code: int | None, text: bytes | str | None) -> str:
    """An SMTP reply for logs and the event log, with any email address removed."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _ADDRESS.sub("<address>", " ".join((text or "").split()))
    return f"{code} {text}".strip()[:250] if code else text[:250]


def classify(exc: Exception) -> SendError:
    """Turn an smtplib/socket exception into a retryable or permanent SendError."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (None, b""))
        error = PermanentSendError if code and code >= 500 else RetryableSendError
        return error(describe(code, text), code)
    if isinstance(exc, smtplib.SMTPResponseException):
        error = PermanentSendError if exc.smtp_code >= 500 else RetryableSendError
        return error(describe(exc.smtp_code, exc.smtp_error), exc.smtp_code)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError | smtplib.SMTPException):
        return RetryableSendError(f"connection problem: {type(exc).__name__}")
    raise exc


@dataclass(frozen=True)
class RawEmail:
    """A message already rendered to bytes (CRLF line endings), with its envelope."""

    sender: str
    recipient: str
    data: bytes


class SmtpSender:
    """One open SMTP connection. `send` raises SendError subclasses only."""

    def __init__(self, connection):
        self._connection = connection
        self.broken = False

    def send(self, message: EmailMessage | RawEmail) -> None:
        host = self._connection.host
        try:
            if isinstance(message, RawEmail):
                host.sendmail(message.sender, [message.recipient], message.data)
            else:
                host.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            # smtplib has already sent RSET after a refused MAIL, RCPT or DATA,
            # so the connection stays usable unless it dropped or said 421.
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError) or (
                getattr(exc, "smtp_code", None) == 421
            ):
                self.broken = True
            raise classify(exc) from exc


class SmtpTransport:
    """Opens Flask-Mail connections with a socket timeout, so a stuck server can't hang us."""

    def __init__(self, timeout: float):
        self.timeout = timeout

    @contextlib.contextmanager
    def connect(self) -> Iterator[SmtpSender]:
        previous = socket.getdefaulttimeout()
        # Flask-Mail's connection takes no timeout; the default applies to
        # the socket it creates and to every read on it afterwards.
        socket.setdefaulttimeout(self.timeout)
        try:
            connection = mail.connect()
            connection.__enter__()
        except (smtplib.SMTPException, OSError) as exc:
            raise classify(exc) from exc
        finally:
            socket.setdefaulttimeout(previous)
        if connection.host is None:  # MAIL_SUPPRESS_SEND
            raise PermanentSendError("mail sending is suppressed (MAIL_SUPPRESS_SEND)")
        connection.host.sock.settimeout(self.timeout)
        sender = SmtpSender(connection)
        try:
            yield sender
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                if sender.broken:
                    connection.host.close()
                else:
                    connection.host.quit()


def transport() -> SmtpTransport:
    return SmtpTransport(current_app.config["MAIL_TIMEOUT"])
