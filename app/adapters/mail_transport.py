"""Sending email over SMTP, with failures sorted into retry-later and give-up.

Flask-Mail owns the connection settings (MAIL_SERVER, MAIL_PORT, TLS, login)
and opens the connection; the messages themselves are standard-library
`EmailMessage` objects built in app/services/emails.py. One connection is
reused for a whole batch, which is what makes the worker fast.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

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


def as_raw(message: EmailMessage) -> RawEmail | None:
    """The bytes and envelope smtplib's send_message would use, or None when the
    message needs more than plain SMTP can carry (non-ASCII addresses: SMTPUTF8)."""
    sender = getaddresses([message["Sender"] or message["From"]])[0][1]
    recipients = [
        address
        for _, address in getaddresses(
            [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
        )
    ]
    if len(recipients) != 1 or not (sender + recipients[0]).isascii():
        return None
    if message["Bcc"] is not None:
        message = copy.copy(message)
        del message["Bcc"]
    return RawEmail(
        sender, recipients[0], message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    )


_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class SmtpSender:
    """One open SMTP connection. Its methods raise SendError subclasses only.

    A send is `start` then `finish`, after an optional `announce`. Split, the
    caller works while the server does: it builds the next email while the
    server digests this one (the final reply to DATA is the longest wait in a
    transaction), and after `announce` (MAIL FROM written, reply not yet
    read) records the previous outcome while the server checks the sender.
    """

    def __init__(self, connection):
        self._connection = connection
        self.broken = False
        self.awaiting_reply = False
        # The message whose MAIL FROM is written and its reply unread, with its
        # bytes, so `start` does not render it a second time.
        self._announced: tuple[EmailMessage | RawEmail, RawEmail] | None = None

    def announce(self, message: EmailMessage | RawEmail) -> None:
        """Write MAIL FROM for `message` without waiting; `start` reads the reply."""
        raw = message if isinstance(message, RawEmail) else as_raw(message)
        if raw is None:
            return
        host = self._connection.host
        with self._classified():
            host.ehlo_or_helo_if_needed()
            host.putcmd("mail", f"FROM:{smtplib.quoteaddr(raw.sender)}")
            self._announced = (message, raw)

    def start(self, message: EmailMessage | RawEmail) -> None:
        """MAIL, RCPT, DATA and the message, without waiting for the verdict on it."""
        announced, self._announced = self._announced, None
        if announced is not None and announced[0] is message:
            raw = announced[1]
        else:
            announced = None
            raw = message if isinstance(message, RawEmail) else as_raw(message)
        host = self._connection.host
        with self._classified():
            if raw is None:
                host.send_message(message)
                return
            if announced is not None:
                code, reply = host.getreply()
            else:
                host.ehlo_or_helo_if_needed()
                code, reply = host.mail(raw.sender)
            if code != 250:
                self._abandon(code)
                raise smtplib.SMTPSenderRefused(code, reply, raw.sender)
            code, reply = host.rcpt(raw.recipient)
            if code not in (250, 251):
                self._abandon(code)
                raise smtplib.SMTPRecipientsRefused({raw.recipient: (code, reply)})
            code, reply = host.docmd("data")
            if code != 354:
                self._abandon(code)
                raise smtplib.SMTPDataError(code, reply)
            data = _LEADING_DOT.sub(b"..", raw.data)
            host.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            self.awaiting_reply = True

    def finish(self) -> None:
        """Read the server's verdict on the message `start` handed over."""
        if not self.awaiting_reply:
            return
        self.awaiting_reply = False
        host = self._connection.host
        with self._classified():
            code, reply = host.getreply()
            if code != 250:
                self._abandon(code)
                raise smtplib.SMTPDataError(code, reply)

    def _abandon(self, code: int) -> None:
        """After a refusal, as smtplib does: RSET, or close on 421."""
        if code == 421:
            self._connection.host.close()
        else:
            with contextlib.suppress(smtplib.SMTPServerDisconnected):
                self._connection.host.rset()

    @contextlib.contextmanager
    def _classified(self):
        try:
            yield
        except (smtplib.SMTPException, OSError) as exc:
            self.awaiting_reply = False
            self._announced = None
            # After a refused MAIL, RCPT or DATA the connection was reset and
            # stays usable, unless it dropped or said 421.
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
