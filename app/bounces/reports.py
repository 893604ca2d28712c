"""Reading a bounce report or a complaint: which email it is about, and what
kind of failure it reports.

The email is found only by its return path (app/bounces/return_path.py), in
the envelope recipients the report arrived for, in the report's own address
headers, or in the headers of the original message it quotes. RFC 3464
delivery status notifications and RFC 5965 (ARF) complaints are read field
by field; anything else is given to flufl.bounce, whose detectors know the
non-standard shapes real servers send (Exim's, qmail's, older Exchange's and
dozens more), before a last look for an SMTP status in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser

from flufl.bounce import all_failures

from app.bounces.models import BounceType
from app.bounces.return_path import outbox_id_in

ADDRESS_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                   "Return-Path", "X-Envelope-From", "X-Failed-Recipients")  # fmt: skip
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_REPLY = re.compile(r"\b([45])\d\d[ -][^\r\n]{0,200}")
_AN_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


@dataclass(frozen=True)
class Report:
    outbox_id: int | None  # None: not about an email of this site's (or forged)
    type: BounceType | None  # None: not a failure (a delay warning, a receipt)
    diagnostic: str = ""


def read_report(data: bytes, envelope_recipients: Sequence[str] = ()) -> Report:
    message = BytesParser(policy=policy.compat32).parsebytes(data)
    outbox_id = _outbox_id(message, envelope_recipients)
    bounce_type, diagnostic = _failure(message)
    return Report(outbox_id, bounce_type, without_addresses(diagnostic))


def without_addresses(diagnostic: str) -> str:
    """A server's diagnostic, kept for admins, without the addresses it quotes
    (a subscriber's is personal data; the email already names who it was to)."""
    return _AN_ADDRESS.sub("<address>", " ".join(diagnostic.split()))[:300]


def _outbox_id(message: Message, envelope_recipients: Sequence[str]) -> int | None:
    places = list(envelope_recipients) + _address_headers(message)
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            places += _address_headers(_quoted(part))
    for place in places:
        found = outbox_id_in(place)
        if found is not None:
            return found
    return None


def _address_headers(message: Message | None) -> list[str]:
    if message is None:
        return []
    return [str(value) for name in ADDRESS_HEADERS for value in message.get_all(name, [])]


def _quoted(part: Message) -> Message | None:
    """The original message (or just its headers) a report quotes."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    if isinstance(payload, str):
        return BytesParser(policy=policy.compat32).parsebytes(payload.encode(), headersonly=True)
    return None


def _failure(message: Message) -> tuple[BounceType | None, str]:
    report_type = str(message.get_param("report-type") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        return BounceType.COMPLAINT, _feedback_type(message)
    dsn = _delivery_status(message)
    if dsn is not None:
        return dsn
    return _guess(message)


def _feedback_type(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            fields = next(iter(_field_blocks(part)), {})
            return f"complaint: {fields.get('feedback-type', 'abuse')}"
    return "complaint"


def _delivery_status(message: Message) -> tuple[BounceType | None, str] | None:
    """An RFC 3464 report's verdict, or None when the message is not one."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        worst: tuple[BounceType | None, str] = (None, "")
        for fields in _field_blocks(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "")
            diagnostic = fields.get("diagnostic-code", "").split(";", 1)[-1].strip()
            detail = " ".join(x for x in (status, diagnostic) if x) or action
            if action != "failed":
                continue  # delayed, delivered, relayed, expanded: not a failure
            if status.startswith("5"):
                return BounceType.HARD, detail
            worst = (BounceType.SOFT, detail)
        return worst
    return None


def _field_blocks(part: Message) -> Iterable[dict[str, str]]:
    """The blocks of "Name: value" fields of a report part (in a
    message/delivery-status part: the per-message block, then one per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser has made each block a Message
        for block in payload:
            if isinstance(block, Message):
                yield {k.lower(): str(v) for k, v in block.items()}
        return
    text = payload if isinstance(payload, str) else ""
    for chunk in re.split(r"\r?\n\r?\n", text):
        yield _parse_fields(chunk)


def _parse_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in re.sub(r"\r?\n[ \t]+", " ", text).splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _guess(message: Message) -> tuple[BounceType | None, str]:
    """A report in no standard shape: flufl.bounce's detectors, then an SMTP
    status code in the text."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # some of its detectors fail on odd input (one on a missing From)
        temporary = permanent = frozenset()
    text = _text(message)
    reply = _REPLY.search(text)
    detail = reply.group(0).strip() if reply else (message.get("Subject") or "")
    if permanent:
        return BounceType.HARD, detail
    if temporary:
        return BounceType.SOFT, detail
    status = _STATUS.search(text)
    if status and status.group(1) in "45":
        return (BounceType.HARD if status.group(1) == "5" else BounceType.SOFT), detail
    return None, detail


def _text(message: Message) -> str:
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)
