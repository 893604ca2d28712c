"""The SMTP client under the worker, against real servers: pipelined where offered,
one command at a time where not, and in step with the server after a refusal."""

from __future__ import annotations

import socket
import threading

import pytest

from app.adapters.smtp import PermanentSendError, RawEmail, transport
from tests.builders.mail import ALLOWED_SMTP_PORTS

SENDER = "noreply@site.test"


def raw(recipient: str, body: str = "Hello") -> RawEmail:
    data = f"From: {SENDER}\r\nTo: {recipient}\r\nSubject: Test\r\n\r\n{body}\r\n".encode()
    return RawEmail(SENDER, recipient, data)


def send_all(emails: list[RawEmail], *, announce: bool = False) -> list[str]:
    """Each email started then finished on one connection (announced first, as
    the worker does, if asked): 'sent' or the error's reason."""
    outcomes = []
    with transport().connect() as sender:
        for email in emails:
            try:
                if announce:
                    sender.announce(email)
                sender.start(email)
                sender.finish()
            except PermanentSendError as exc:
                outcomes.append(exc.reason)
            else:
                outcomes.append("sent")
    return outcomes


def recipient_of(rcpt_command: bytes) -> str:
    return rcpt_command.decode().split("<", 1)[1].split(">", 1)[0]


class RawRelay:
    """A hand-written SMTP server for one connection, in a thread: for the
    protocol details a real server is too forgiving to check."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        ALLOWED_SMTP_PORTS.add(self.port)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        ALLOWED_SMTP_PORTS.discard(self.port)
        self.listener.close()
        self.thread.join(10)

    def _accept(self) -> None:
        connection, _ = self.listener.accept()
        connection.settimeout(3)
        with connection:
            self._serve(connection)


class StrictPipeliningRelay(RawRelay):
    """A raw SMTP server that answers RCPT only once the DATA behind it has
    arrived: a client that waits for each reply before the next command never
    hears back (the server gives up after a few seconds and hangs up). It can
    also misbehave by opening DATA after refusing the recipient, which a
    client must survive without sending the content."""

    def __init__(self, *, refuse: tuple[str, ...] = (), open_data_after_refusal: bool = False):
        super().__init__()
        self.refuse = refuse
        self.open_data_after_refusal = open_data_after_refusal
        self.delivered: list[tuple[str, bytes]] = []
        self.data_arrived = threading.Event()  # a DATA command, behind its RCPT
        self.ended = ""  # how the conversation ended: "quit", "hung up" or "timed out"

    def _serve(self, connection) -> None:
        with connection.makefile("rb") as lines:
            connection.sendall(b"220 strict.relay ESMTP\r\n")
            try:
                self._converse(connection, lines)
            except TimeoutError:
                self.ended = "timed out"  # e.g. the client never sent DATA behind RCPT
            except (ConnectionResetError, BrokenPipeError):
                self.ended = "hung up"  # with replies unread: the kernel resets

    def _converse(self, connection, lines) -> None:
        while line := lines.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                connection.sendall(b"250-strict.relay\r\n250-PIPELINING\r\n250 HELP\r\n")
            elif verb in (b"MAIL", b"RSET"):
                connection.sendall(b"250 OK\r\n")
            elif verb == b"RCPT":
                recipient = recipient_of(line)
                if lines.readline().strip().upper() != b"DATA":
                    connection.sendall(b"503 DATA expected behind RCPT\r\n")
                    return
                self.data_arrived.set()
                refused = recipient in self.refuse
                connection.sendall(b"550 5.1.1 no such user\r\n" if refused else b"250 OK\r\n")
                if refused and not self.open_data_after_refusal:
                    connection.sendall(b"554 no valid recipients\r\n")
                    continue
                connection.sendall(b"354 go ahead\r\n")
                content = b""
                while (line := lines.readline()) != b".\r\n":
                    if not line:  # the client hung up: the message is dropped
                        self.ended = "hung up"
                        return
                    content += line
                if refused:
                    connection.sendall(b"554 no valid recipients\r\n")
                else:
                    self.delivered.append((recipient, content))
                    connection.sendall(b"250 accepted\r\n")
            elif verb == b"QUIT":
                connection.sendall(b"221 bye\r\n")
                self.ended = "quit"
                return
            else:
                connection.sendall(b"502 not implemented\r\n")


class OneCommandAtATimeRelay(RawRelay):
    """A raw SMTP server that does not offer PIPELINING and hangs up on a
    client that writes a command before it has the last one's reply."""

    REPLIES = {
        b"EHLO": b"250-plain.relay\r\n250 HELP\r\n",  # no PIPELINING
        b"DATA": b"354 go ahead\r\n",
        b"QUIT": b"221 bye\r\n",
    }

    def __init__(self):
        super().__init__()
        self.delivered: list[str] = []
        self.pipelined = False

    def _serve(self, connection) -> None:
        connection.sendall(b"220 plain.relay ESMTP\r\n")
        buffer, recipient, in_content = b"", "", False
        while chunk := connection.recv(65536):
            buffer += chunk
            while b"\r\n" in buffer:
                line, buffer = buffer.split(b"\r\n", 1)
                if in_content:
                    if line == b".":
                        in_content = False
                        self.delivered.append(recipient)
                        connection.sendall(b"250 accepted\r\n")
                    continue
                if buffer:  # a command behind this one, before its reply
                    self.pipelined = True
                    connection.sendall(b"554 5.5.0 one command at a time\r\n")
                    return
                verb = line[:4].upper()
                if verb == b"RCPT":
                    recipient = recipient_of(line)
                in_content = verb == b"DATA"
                connection.sendall(self.REPLIES.get(verb, b"250 OK\r\n"))
                if verb == b"QUIT":
                    return


@pytest.mark.parametrize("announce", [False, True], ids=["started", "announced"])
def test_where_the_server_does_not_offer_pipelining_each_command_waits(make_app, announce):
    emails = [raw("a@example.com"), raw("b@example.com")]
    relay = OneCommandAtATimeRelay()
    with relay, make_app(MAIL_PORT=relay.port).app_context():
        outcomes = send_all(emails, announce=announce)
    assert not relay.pipelined
    assert outcomes == ["sent", "sent"]
    assert relay.delivered == ["a@example.com", "b@example.com"]


def test_where_the_server_offers_pipelining_rcpt_and_data_go_out_together(make_app):
    with StrictPipeliningRelay() as relay, make_app(MAIL_PORT=relay.port).app_context():
        outcomes = send_all([raw("a@example.com"), raw("b@example.com", ".leading dot")])
    assert outcomes == ["sent", "sent"]
    assert [recipient for recipient, _ in relay.delivered] == ["a@example.com", "b@example.com"]
    assert relay.delivered[1][1].endswith(b"\r\n..leading dot\r\n")  # dot-stuffed on the wire


def test_announcing_on_a_pipelining_server_opens_the_whole_transaction(make_app):
    """MAIL, RCPT and DATA go out before any reply is read, so the server
    checks the recipient while the worker records the last outcome."""
    email = raw("a@example.com")
    relay = StrictPipeliningRelay()
    with relay, make_app(MAIL_PORT=relay.port).app_context(), transport().connect() as sender:
        sender.announce(email)
        assert relay.data_arrived.wait(3), "DATA waited for the reply to MAIL"
        sender.start(email)
        sender.finish()
    assert [recipient for recipient, _ in relay.delivered] == ["a@example.com"]


def test_a_fault_between_announcing_and_sending_hangs_up_without_a_message(make_app):
    """The server is waiting for content: QUIT would be read as part of it,
    so the connection is closed and the server drops the message."""
    relay = StrictPipeliningRelay()

    def announce_then_fail() -> None:
        email = raw("a@example.com", "never sent")
        with transport().connect() as sender:
            sender.announce(email)
            assert relay.data_arrived.wait(3)
            raise RuntimeError("recording the last outcome failed")

    with relay, make_app(MAIL_PORT=relay.port).app_context(), pytest.raises(RuntimeError):
        announce_then_fail()
    assert relay.ended == "hung up"  # not "timed out", waiting for the end of QUIT's "content"
    assert relay.delivered == []


@pytest.mark.parametrize("announce", [False, True], ids=["started", "announced"])
def test_a_refused_recipient_in_a_pipelined_batch_leaves_the_connection_in_step(make_app, announce):
    emails = [raw("a@example.com"), raw("gone@example.com"), raw("c@example.com")]
    relay = StrictPipeliningRelay(refuse=("gone@example.com",))
    with relay, make_app(MAIL_PORT=relay.port).app_context():
        outcomes = send_all(emails, announce=announce)
    assert outcomes == ["sent", "550 5.1.1 no such user", "sent"]
    assert [recipient for recipient, _ in relay.delivered] == ["a@example.com", "c@example.com"]


@pytest.mark.parametrize("announce", [False, True], ids=["started", "announced"])
def test_a_server_that_opens_data_after_refusing_gets_no_content(make_app, announce):
    emails = [raw("gone@example.com", "secret letter"), raw("b@example.com")]
    relay = StrictPipeliningRelay(refuse=("gone@example.com",), open_data_after_refusal=True)
    with relay, make_app(MAIL_PORT=relay.port).app_context():
        outcomes = send_all(emails, announce=announce)
    assert outcomes == ["550 5.1.1 no such user", "sent"]
    assert [recipient for recipient, _ in relay.delivered] == ["b@example.com"]


@pytest.mark.parametrize("announce", [False, True], ids=["started", "announced"])
@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-at-a-time"])
def test_refusals_at_each_step_then_the_next_email_still_goes(
    make_app, mail_server, pipelining, announce
):
    mail_server.pipelining = pipelining  # what it offers when the client says EHLO
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address="gone@example.com")
    mail_server.fail_next("552 5.3.4 too big", stage="DATA")
    emails = [raw("gone@example.com"), raw("big@example.com"), raw("fine@example.com")]
    with make_app(MAIL_PORT=mail_server.port).app_context():
        outcomes = send_all(emails, announce=announce)
    assert outcomes == ["550 5.1.1 no such user", "552 5.3.4 too big", "sent"]
    assert [m.rcpt_tos for m in mail_server.messages] == [["fine@example.com"]]


@pytest.mark.parametrize(
    ("sender", "recipient"),
    [
        (SENDER, "a@example.com>\r\nRCPT TO:<victim@example.com"),
        (SENDER, "two words@example.com"),
        ("bad>@site.test", "a@example.com"),
        (SENDER, "no-at-sign"),
    ],
)
def test_an_envelope_address_that_could_break_the_command_is_never_written(
    make_app, mail_server, sender, recipient
):
    unsafe = RawEmail(sender, recipient, b"Subject: x\r\n\r\nx\r\n")
    with make_app(MAIL_PORT=mail_server.port).app_context():
        outcomes = send_all([unsafe, raw("fine@example.com")])
    assert outcomes == ["unusable envelope address", "sent"]
    assert [m.rcpt_tos for m in mail_server.messages] == [["fine@example.com"]]
