"""The ways bounce reports come in, all into one handler (app/bounces/handling.py):

- a file, an mbox, a Maildir or standard input (`flask bounces read`), for an
  MTA's pipe transport or a mailbox a relay fills;
- an SMTP listener for the bounce domain (`flask bounces serve`, aiosmtpd);
- a relay's webhook (Amazon SES through SNS: app/bounces/sns.py).
"""

from __future__ import annotations

import asyncio
import mailbox
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, current_app

from app.bounces.handling import handle
from app.bounces.reports import read_report


def messages_in(path: str | None) -> Iterator[bytes]:
    """Each message in a file (one message or an mbox), a Maildir, or standard input."""
    if path in (None, "-"):
        yield sys.stdin.buffer.read()
        return
    where = Path(path)
    if where.is_dir():
        for message in mailbox.Maildir(where, factory=None, create=False):
            yield message.as_bytes()
        return
    data = where.read_bytes()
    if data.startswith(b"From "):
        box = mailbox.mbox(where, create=False)
        try:
            for held in box:
                yield held.as_bytes()
        finally:
            box.close()
        return
    yield data


def read_all(path: str | None) -> Counter:
    """Handle every message at `path`: how many had each outcome."""
    outcomes: Counter = Counter()
    for data in messages_in(path):
        outcomes[handle(read_report(data)).outcome] += 1
    return outcomes


class SmtpDoor:
    """aiosmtpd's handler: mail for the bounce domain is read as a report;
    any other recipient is refused, so the listener relays nothing."""

    def __init__(self, app: Flask):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = self.app.config["BOUNCE_DOMAIN"]
        if not domain or address.rpartition("@")[2].lower() != domain:
            return "550 5.1.1 Not a bounce address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        await asyncio.to_thread(self._handle, data, list(envelope.rcpt_tos))
        return "250 OK: report received"

    def _handle(self, data: bytes, recipients: list[str]) -> None:
        with self.app.app_context():
            handle(read_report(data, recipients))


def smtp_door(host: str, port: int):
    """A started aiosmtpd Controller serving the bounce domain (call .stop())."""
    from aiosmtpd.controller import Controller

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    controller = Controller(SmtpDoor(app), hostname=host, port=port, data_size_limit=10_000_000)
    controller.start()
    return controller
