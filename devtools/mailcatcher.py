"""A local mail catcher: a real SMTP server that keeps every email, and a page to read them.

Used three ways:
- `python -m devtools.mailcatcher` in development: SMTP on 127.0.0.1:1025,
  and every email readable at http://127.0.0.1:1080;
- the tests, which start a `MailCatcher` on a free port and read what it got,
  scripting failures (4xx, 5xx, a stalled server) to test delivery;
- the benchmarks, as an SMTP sink.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    received_at: float = field(default_factory=time.time)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def text(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    def __getitem__(self, header: str):
        return self.message[header]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def offer_pipelining(responses: list[str]) -> list[str]:
    """EHLO's reply with PIPELINING (RFC 2920) added, as real relays offer it.
    aiosmtpd reads and answers one command at a time, which is all pipelining
    asks of a server; it just does not say so."""
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


class _Handler:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return offer_pipelining(responses) if self.catcher.pipelining else responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = self.catcher._next_reply("MAIL", address)
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        catcher = self.catcher
        if (
            catcher.stall_seconds
            and catcher.stall_stage == "RCPT"
            and catcher.stall_address in (None, address)
        ):
            self.catcher.stalled.set()
            await asyncio.sleep(self.catcher.stall_seconds)
        reply = self.catcher._next_reply("RCPT", address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.catcher.stall_seconds and self.catcher.stall_stage == "DATA":
            self.catcher.stalled.set()
            await asyncio.sleep(self.catcher.stall_seconds)
        reply = self.catcher._next_reply("DATA", None)
        if reply:
            return reply
        self.catcher._keep(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class MailCatcher:
    """An SMTP server in a background thread that keeps what it is sent.

    `fail_next("451 4.3.0 Try again later", times=2)` makes the next DATA
    commands fail with that reply; `fail_next(..., stage="RCPT", address=...)`
    refuses a recipient; `stage="MAIL"` refuses the sender; `accept_all()`
    forgets the failures still to come. `stall(seconds, stage)` makes RCPT or
    DATA hang, to test timeouts and workers killed mid-send. It offers PIPELINING unless
    told not to (`pipelining=False`), to test clients of servers without it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        keep: int | None = None,
        *,
        pipelining: bool = True,
        smtputf8: bool = False,
    ):
        self.host = host
        self.pipelining = pipelining
        self.smtputf8 = smtputf8
        self._requested_port = port
        self.messages: deque[Received] = deque(maxlen=keep)
        self.count = 0
        self._replies: deque[tuple[str, str | None, str]] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.stall_seconds = 0.0
        self.stall_stage = "DATA"
        self.stall_address: str | None = None
        self.stalled = threading.Event()
        self._controller: Controller | None = None

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> MailCatcher:
        # aiosmtpd checks it is up by connecting to the configured port, so
        # "any free port" (0) has to be chosen here rather than by the OS later.
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self._requested_port or free_port(self.host),
            data_size_limit=10 * 1024 * 1024,
            enable_SMTPUTF8=self.smtputf8,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail_next(
        self, reply: str, *, times: int = 1, stage: str = "DATA", address: str | None = None
    ) -> None:
        with self._lock:
            for _ in range(times):
                self._replies.append((stage, address, reply))

    def stall(self, seconds: float, stage: str = "DATA", address: str | None = None) -> None:
        """Hang for `seconds` at RCPT (for `address` only, if given) or DATA."""
        self.stalled.clear()
        self.stall_stage = stage
        self.stall_address = address
        self.stall_seconds = seconds

    def _next_reply(self, stage: str, address: str | None) -> str | None:
        with self._lock:
            for i, (want_stage, want_address, reply) in enumerate(self._replies):
                if want_stage == stage and want_address in (None, address):
                    del self._replies[i]
                    return reply
        return None

    def _keep(self, received: Received) -> None:
        with self._arrived:
            self.messages.append(received)
            self.count += 1
            self._arrived.notify_all()

    def accept_all(self) -> None:
        with self._lock:
            self._replies.clear()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.count = 0

    def to(self, address: str) -> list[Received]:
        """Everything delivered to `address`."""
        with self._lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(
        self, count: int, timeout: float = 10.0, *, to: str | None = None
    ) -> list[Received]:
        """Block until at least `count` emails have arrived (to `to`, if given)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                arrived = [m for m in self.messages if to is None or to in m.rcpt_tos]
                if len(arrived) >= count:
                    return arrived
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"expected {count} emails{f' to {to}' if to else ''}, got {len(arrived)}"
                    )
                self._arrived.wait(left)


def create_viewer(catcher: MailCatcher):
    """A small Flask app listing every caught email, newest first."""
    from flask import Flask, abort, render_template_string
    from markupsafe import Markup, escape

    app = Flask(__name__)
    page = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail catcher</title><style>
body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c}header{background:#333;color:#fff;padding:.75rem 1rem}
main{padding:1rem;max-width:60rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ccc}
pre{white-space:pre-wrap;background:#f3f2f1;padding:1rem;overflow-wrap:anywhere}a{color:#1747a6}dt{font-weight:bold}
</style></head><body><header><strong>Mail catcher</strong>: every email the site sends lands here
(SMTP 127.0.0.1:{{ port }})</header><main>{% block body %}{% endblock %}</main></body></html>"""
    index = page.replace(
        "{% block body %}{% endblock %}",
        """<p>{{ messages|length }} email(s). <a href="/">Refresh</a></p>
<table><tr><th>When</th><th>To</th><th>From</th><th>Subject</th></tr>
{% for i, m in messages %}<tr><td>{{ m.received_at|int|ts }}</td><td>{{ m.rcpt_tos|join(', ') }}</td>
<td>{{ m['From'] }}</td><td><a href="/message/{{ i }}">{{ m['Subject'] or '(no subject)' }}</a></td></tr>
{% endfor %}</table>""",
    )
    detail = page.replace(
        "{% block body %}{% endblock %}",
        """<p><a href="/">All emails</a></p><h1>{{ m['Subject'] }}</h1>
<dl>{% for k, v in headers %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
<h2>Text</h2><pre>{{ m.text|linkify }}</pre>{% if m.html %}<h2>HTML (source)</h2><pre>{{ m.html }}</pre>{% endif %}""",
    )

    @app.template_filter("ts")
    def ts(value):
        return time.strftime("%H:%M:%S", time.localtime(value))

    @app.template_filter("linkify")
    def linkify(text):
        """Links in a text body become clickable (the text is escaped first)."""
        escaped = str(escape(text))
        return Markup(re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped))  # noqa: S704

    @app.get("/")
    def list_messages():
        messages = list(enumerate(catcher.messages))[::-1]
        return render_template_string(index, messages=messages, port=catcher.port)

    @app.get("/message/<int:i>")
    def show(i: int):
        messages = list(catcher.messages)
        if not 0 <= i < len(messages):
            abort(404)
        m = messages[i]
        return render_template_string(detail, m=m, headers=m.message.items(), port=catcher.port)

    @app.get("/api/messages")
    def api():
        return [
            {"id": i, "to": m.rcpt_tos, "from": m["From"], "subject": m["Subject"], "text": m.text}
            for i, m in enumerate(catcher.messages)
        ]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=1080)
    parser.add_argument("--keep", type=int, default=5000, help="emails kept in memory")
    parser.add_argument("--no-http", action="store_true", help="SMTP sink only (benchmarks)")
    args = parser.parse_args()
    catcher = MailCatcher(port=args.smtp_port, keep=args.keep).start()
    print(f"mail catcher: SMTP on 127.0.0.1:{catcher.port}", flush=True)
    try:
        if args.no_http:
            threading.Event().wait()
        else:
            print(f"mail catcher: read emails at http://127.0.0.1:{args.http_port}", flush=True)
            create_viewer(catcher).run(host="127.0.0.1", port=args.http_port)
    except KeyboardInterrupt:
        pass
    finally:
        catcher.stop()


if __name__ == "__main__":
    main()
