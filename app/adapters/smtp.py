"""Sending email over SMTP, with failures sorted into retry-later and give-up.

Flask-Mail owns the connection settings (MAIL_SERVER, MAIL_PORT, TLS, login)
and opens the connection; the messages themselves are rendered bytes with
their envelope (`RawEmail`, built in app/outbox/mime.py and
app/alerts/emails.py), or a standard-library `EmailMessage` where an address
needs SMTPUTF8. One connection is reused for a whole batch, which is what
makes the worker fast.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from flask import current_app

from app.extensions import mail

log = logging.getLogger(__name__)
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
# A recipient refused because the relay does not relay for the site at all.
_RELAY_DENIED = re.compile(
    r"relay(ing)? (access )?(denied|not permitted|prohibited)|not permitted to relay", re.I
)


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


class SiteSendError(RetryableSendError):
    """The relay refused the site itself (its sender at MAIL FROM, its sign-in,
    TLS): nothing to do with the recipient, and no email gets through until
    the site's set-up is fixed. Retried; never booked against a person."""


def describe(code: int | None, text: bytes | str | None) -> str:
    """An SMTP reply for logs and the event log, with any email address removed."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _ADDRESS.sub("<address>", " ".join((text or "").split()))
    return f"{code} {text}".strip()[:250] if code else text[:250]


def classify(exc: Exception) -> SendError:
    """Turn an smtplib/socket exception into a SendError: permanent only for a
    5xx refusal of the recipient or of this message; a refusal of the site
    (sender, authentication, TLS) is a SiteSendError; the rest retryable."""
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SiteSendError(
            f"the relay refused the site's sender: {describe(exc.smtp_code, exc.smtp_error)}",
            exc.smtp_code,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # Only SMTPUTF8 is asked for: ALLOW_SMTPUTF8_ADDRESSES is on, and this
        # relay does not offer it. The site's set-up, not the recipient.
        return SiteSendError("the relay does not offer SMTPUTF8 (ALLOW_SMTPUTF8_ADDRESSES)")
    if isinstance(exc, smtplib.SMTPAuthenticationError | ssl.SSLError):
        return SiteSendError(
            f"the relay refused the site: {type(exc).__name__}", getattr(exc, "smtp_code", None)
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (None, b""))
        if code and _RELAY_DENIED.search(describe(code, text)):
            # "Relay access denied": the relay will take no mail from the site
            # for anyone, which says nothing about this recipient.
            return SiteSendError(f"the relay refuses to relay: {describe(code, text)}", code)
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


def as_raw(message: EmailMessage | RawEmail) -> RawEmail | None:
    """The bytes and envelope smtplib's send_message would use, or None when the
    message needs more than plain SMTP can carry (non-ASCII addresses: SMTPUTF8).
    A message already rendered is returned as it is."""
    if isinstance(message, RawEmail):
        return message
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
# An envelope address written into MAIL FROM / RCPT TO as it is: printable
# ASCII with no space or angle bracket, so it cannot end the command early.
_ENVELOPE_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")
_ACCEPTED = ((250,), (250, 251), (354,))  # MAIL, RCPT, DATA


def _envelope_safe(raw: RawEmail) -> bool:
    return bool(
        _ENVELOPE_ADDRESS.fullmatch(raw.sender) and _ENVELOPE_ADDRESS.fullmatch(raw.recipient)
    )


def _opening_commands(raw: RawEmail) -> tuple[bytes, bytes, bytes]:
    """MAIL FROM, RCPT TO and DATA: the commands before a message's content."""
    return (
        b"MAIL FROM:<%s>\r\n" % raw.sender.encode(),
        b"RCPT TO:<%s>\r\n" % raw.recipient.encode(),
        b"DATA\r\n",
    )


def _refused(step: int, code: int, reply: bytes, raw: RawEmail) -> smtplib.SMTPException:
    if step == 0:
        return smtplib.SMTPSenderRefused(code, reply, raw.sender)
    if step == 1:
        return smtplib.SMTPRecipientsRefused({raw.recipient: (code, reply)})
    return smtplib.SMTPDataError(code, reply)


class SmtpSender:
    """One open SMTP connection. Its methods raise SendError subclasses only.

    A send is `start` then `finish`, after an optional `announce`. Split, the
    caller works while the server does: it builds the next email while the
    server digests this one (the final reply to DATA is the longest wait in a
    transaction), and after `announce` (the commands that open the next
    transaction written, their replies not yet read) records the previous
    outcome while the server checks the sender and the recipient.
    """

    def __init__(self, connection):
        self._connection = connection
        self.broken = False
        self.awaiting_reply = False
        # The message whose first commands are written and their replies
        # unread: with its bytes, so `start` does not render it a second time,
        # and how many of its commands went out.
        self._announced: tuple[EmailMessage | RawEmail, RawEmail, int] | None = None

    @property
    def mid_transaction(self) -> bool:
        """Commands written whose replies are unread: the server may be
        waiting for content, so the only clean end is to hang up."""
        return self._announced is not None

    def announce(self, message: EmailMessage | RawEmail) -> None:
        """Open `message`'s transaction without waiting: MAIL FROM, RCPT TO
        and DATA in one write where the server offers PIPELINING (RFC 2920
        lets DATA end a group, as Postfix's client sends it), MAIL FROM alone
        where not. `start` reads the replies."""
        raw = as_raw(message)
        if raw is None or not _envelope_safe(raw):
            return
        host = self._connection.host
        with self._classified():
            host.ehlo_or_helo_if_needed()
            commands = _opening_commands(raw)
            written = len(commands) if host.has_extn("pipelining") else 1
            host.send(b"".join(commands[:written]))
            self._announced = (message, raw, written)

    def start(
        self, message: EmailMessage | RawEmail, before_content: Callable[[], None] | None = None
    ) -> None:
        """MAIL, RCPT, DATA and the message, without waiting for the verdict on it.

        `before_content` runs once the server has accepted the sender and the
        recipient, just before the message itself is written: the caller's
        last moment to finish what must be done before it can be delivered.
        If it raises, the transaction is abandoned with the connection.
        """
        announced, self._announced = self._announced, None
        raw: RawEmail | None
        written = 0  # of its opening commands, by `announce`
        if announced is not None and announced[0] is message:
            _, raw, written = announced
        else:
            raw = as_raw(message)
        if raw is not None and not _envelope_safe(raw):
            raise PermanentSendError("unusable envelope address")
        host = self._connection.host
        with self._classified():
            if raw is None:
                self._before_content(before_content)
                host.send_message(message)
                return
            host.ehlo_or_helo_if_needed()
            self._open_data(raw, written=written)
            self._before_content(before_content)
            data = _LEADING_DOT.sub(b"..", raw.data)
            host.send(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            self.awaiting_reply = True

    def _before_content(self, before_content: Callable[[], None] | None) -> None:
        if before_content is None:
            return
        try:
            before_content()
        except BaseException:
            # Mid-transaction, and no way to end DATA without sending something:
            # hang up, and the server drops the unfinished message.
            self.broken = True
            self._connection.host.close()
            raise

    def _open_data(self, raw: RawEmail, *, written: int) -> None:
        """MAIL FROM, RCPT TO and DATA (less the first `written`, already
        sent), each reply checked.

        Where the server offers PIPELINING (RFC 2920; every common relay does)
        the commands go out in one write and their replies are read after, so
        the transaction costs one round trip before the content instead of
        three. Otherwise one command, one reply. A refusal still has every
        reply read, so the next transaction starts in step.
        """
        host = self._connection.host
        commands = _opening_commands(raw)
        if written < len(commands) and host.has_extn("pipelining"):
            host.send(b"".join(commands[written:]))
            written = len(commands)
        refusal: tuple[int, int, bytes] | None = None
        for step, command in enumerate(commands):
            if step == written:  # not pipelined: write the next only while all is well
                if refusal is not None:
                    break
                host.send(command)
                written += 1
            code, reply = host.getreply()
            if refusal is None and code not in _ACCEPTED[step]:
                refusal = (step, code, reply)
                if code == 421:  # the server is closing: nothing more will come
                    break
            elif refusal is not None and code == 354:
                # A server that opened DATA after refusing the recipient: end it empty.
                host.send(b".\r\n")
                host.getreply()
        if refusal is not None:
            step, code, reply = refusal
            self._abandon(code)
            raise _refused(step, code, reply, raw)

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


class Pipeline:
    """Sends a stream of emails over one SmtpSender, each email's wait on the
    server overlapped with the caller's work on the next.

    `send(email, tag)` reads the verdict on the email before it (the final
    reply to DATA, the longest wait) only after the caller has built this
    one, then opens this one's transaction (`announce`), reports the earlier
    verdict while the server checks the sender and the recipient, and hands
    this one over. Each verdict goes
    to `on_verdict(tag, error or None)`; `before_content` runs just before an
    email's content is written (the worker waits there for the previous
    outcome to be stored, so a crash repeats at most one email).
    """

    def __init__(
        self,
        sender: SmtpSender,
        on_verdict: Callable[[Any, SendError | None], None],
        before_content: Callable[[], None] | None = None,
    ):
        self.sender = sender
        self.on_verdict = on_verdict
        self.before_content = before_content
        self._in_flight: tuple[Any] | None = None  # the tag of the email awaiting its verdict

    @property
    def broken(self) -> bool:
        return self.sender.broken

    def send(self, email: EmailMessage | RawEmail, tag: Any) -> bool:
        """Hand `email` over; False if the connection broke first (it was not sent)."""
        verdict = self._verdict()
        with contextlib.suppress(SendError):  # a failure marks the connection broken
            self.sender.announce(email)
        self._report(verdict)
        if self.sender.broken:
            return False
        try:
            self.sender.start(email, before_content=self.before_content)
        except SendError as exc:
            self.on_verdict(tag, exc)
        else:
            self._in_flight = (tag,)
        return True

    def flush(self) -> None:
        """Read and report the verdict still awaited, if any."""
        self._report(self._verdict())

    def _verdict(self) -> SendError | None:
        if self._in_flight is None:
            return None
        try:
            self.sender.finish()
        except SendError as exc:
            return exc
        return None

    def _report(self, verdict: SendError | None) -> None:
        if self._in_flight is not None:
            (tag,), self._in_flight = self._in_flight, None
            self.on_verdict(tag, verdict)


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
        if connection.host.sock is not None:  # None only once the connection has closed
            connection.host.sock.settimeout(self.timeout)
        sender = SmtpSender(connection)
        try:
            yield sender
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                if sender.broken or sender.mid_transaction:
                    connection.host.close()  # QUIT would be read as content after DATA
                else:
                    connection.host.quit()


def transport() -> SmtpTransport:
    return SmtpTransport(current_app.config["MAIL_TIMEOUT"])
