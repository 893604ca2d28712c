"""The ways bounce reports come in, all into one handler (app/bounces/handling.py):

- a file, an mbox, a Maildir or standard input (`flask bounces read`), for an
  MTA's pipe transport or a mailbox a relay fills;
- an SMTP listener for the bounce domain (`flask bounces serve`, aiosmtpd);
- a relay's webhook (Amazon SES through SNS: app/bounces/sns.py).

The intake never stops on a message: whatever it holds, it is acted on or
recorded as not understood (its bytes kept for an admin), and the next one is
read. Each message is acted on once, by its digest (`ReadReport`), so a rerun
over the same mbox or a report delivered twice changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bounces.handling import handle
from app.bounces.models import ReadReport
from app.bounces.reports import read_report
from app.db import write_transaction
from app.extensions import db

log = logging.getLogger(__name__)
READ_BEFORE = "ignored: read before"
KEPT_BYTES = 16 * 1024


def messages_in(path: str | None) -> Iterator[bytes]:
    """Each message in a file (one message or an mbox), a Maildir, or standard
    input, as the bytes stored (never re-encoded: a broken message stays as
    broken as it came, for the reader to judge)."""
    if path in (None, "-"):
        yield sys.stdin.buffer.read()
        return
    where = Path(path)
    if where.is_dir():
        box: mailbox.Mailbox = mailbox.Maildir(where, factory=None, create=False)
    elif _starts_with(where, b"From "):
        box = mailbox.mbox(where, create=False)
    else:
        yield where.read_bytes()
        return
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _starts_with(path: Path, prefix: bytes) -> bool:
    with path.open("rb") as f:
        return f.read(len(prefix)) == prefix


def read_all(path: str | None, envelope_recipients: Sequence[str] = ()) -> Counter:
    """Handle every message at `path`: how many had each outcome. Raises
    OSError only when the input itself cannot be read."""
    outcomes: Counter = Counter()
    for data in messages_in(path):
        outcomes[read_once(data, envelope_recipients)] += 1
    return outcomes


def read_once(data: bytes, envelope_recipients: Sequence[str] = ()) -> str:
    """Act on one message, once: its outcome, in a few words (no address)."""
    digest = hashlib.sha256(data).hexdigest()
    read_before = db.session.scalar(select(ReadReport.id).where(ReadReport.digest == digest))
    db.session.rollback()  # end the read: a write transaction follows
    if read_before:
        return READ_BEFORE
    report = read_report(data, envelope_recipients)
    try:
        outcome = handle(report).outcome if report.understood else "not understood"
    except Exception as exc:  # a fault of ours: not remembered, so a rerun tries again
        db.session.rollback()
        log.exception("a bounce report could not be acted on")
        return f"failed, to be read again: {type(exc).__name__}"
    # Kept for an admin only when nobody could make sense of it, and only its
    # beginning: the headers and the explanation, not the quoted letter.
    kept = data[:KEPT_BYTES] if not report.understood else None
    try:
        with write_transaction() as session:
            session.add(ReadReport(digest=digest, outcome=outcome[:120], raw=kept))
    except IntegrityError:  # read by another way in at the same moment
        return READ_BEFORE
    return outcome


class SmtpIntake:
    """aiosmtpd's handler: mail for the bounce domain is read as a report;
    any other recipient is refused, so the listener relays nothing."""

    def __init__(self, app: Flask):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = self.app.config["BOUNCE_DOMAIN"]
        local, _, at = address.rpartition("@")
        # RFC 5321 4.5.1: every domain that takes mail takes it for postmaster.
        postmaster = (local or at).lower() == "postmaster" and (not local or at.lower() == domain)
        if not postmaster and (not domain or at.lower() != domain):
            return "550 5.1.1 Not a bounce address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        await asyncio.to_thread(self._handle, data, list(envelope.rcpt_tos))
        # Once accepted the report is ours: whatever became of it, a refusal
        # now would only make the sender's server try again, or bounce it.
        return "250 OK: report received"

    def _handle(self, data: bytes, recipients: list[str]) -> None:
        with self.app.app_context():
            try:
                read_once(data, recipients)
            except Exception:  # the database away, say: logged, and still 250
                log.exception("a bounce report received by SMTP could not be stored")
            finally:
                db.session.remove()


def smtp_intake(host: str, port: int):
    """A started aiosmtpd Controller serving the bounce domain (call .stop())."""
    from aiosmtpd.controller import Controller

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    controller = Controller(SmtpIntake(app), hostname=host, port=port, data_size_limit=10_000_000)
    controller.start()
    return controller
