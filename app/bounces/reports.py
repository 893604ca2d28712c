"""Reading a bounce report, a complaint or an automatic reply: which email it
is about, and whose fault the failure was (app/outbox/verdicts.py).

The email is found only by its return path (app/outbox/return_path.py): in
the envelope recipients the report arrived for, the report's own address
headers, an ARF report's Original-Mail-From, or the headers of the original
message it quotes. RFC 3464 delivery status notifications and RFC 5965 (ARF)
complaints are read field by field; Microsoft's JMRP complaints by their
shape; anything else is given to flufl.bounce, whose detectors know the
non-standard shapes real servers send (Exim's, qmail's, older Exchange's),
and its diagnostic text is judged. Automatic replies (RFC 3834) are not
failures: the office's server answered, so the letter arrived.

Reading never raises: a message that cannot be understood, however
malformed, is a Report with `understood=False`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses

from flufl.bounce import all_failures

from app.bounces.models import BounceType
from app.outbox.return_path import outbox_id_in
from app.outbox.verdicts import by_text, judge, ses_verdict, status_in

log = logging.getLogger(__name__)

ADDRESS_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                   "Return-Path", "X-Envelope-From", "X-Failed-Recipients",
                   "Original-Mail-From", "Original-Rcpt-To")  # fmt: skip
QUOTED_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
_REPLY_LINE = re.compile(r"\b[45]\d\d[ -][^\r\n]{0,200}")
_AN_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
# Subjects of the reports MTAs send, in the languages seen in real mail.
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|has failed|report)|"
    r"mail delivery (failed|failure|system)|returned mail|failure notice|"
    r"could not (be )?deliver|non[- ]?delivery|delivery problem|rejected|nicht zustellbar|"
    r"unzustellbar|non remis|no entregado|mail system error|warning: message",
    re.IGNORECASE,
)
# The opening words of a report in no standard shape.
_BOUNCE_TEXT = re.compile(
    r"could not be delivered|undeliverable|delivery (has )?failed|permanent (error|failure)|"
    r"was not delivered|delivery to the following recipient",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"mailer-daemon|post_?master|mail delivery (sub)?system", re.IGNORECASE)
_AUTO_REPLY_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?re(ply|sponse)|\bauto:|"
    r"away from (my|the) (desk|office)|on (holiday|vacation|leave)|abwesenheit|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|absence|respuesta autom[áa]tica|"
    r"automatisch antwoord|thank you for (your )?(e-?mail|message|contacting)|"
    r"(we|i) have received your",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Report:
    outbox_id: int | None  # None: not about an email of this site's (or forged)
    type: BounceType | None  # None: not a failure (a delay warning, a receipt, an auto-reply)
    diagnostic: str = ""
    auto_reply: bool = False  # the recipient's server answered automatically (RFC 3834)
    understood: bool = True  # False: no sense could be made of it (kept for an admin)

    @property
    def verdict(self) -> str:
        """In words: recipient, transient, site, complaint, auto-reply, none or not understood."""
        if self.type is not None:
            return self.type.value
        if self.auto_reply:
            return "auto-reply"
        return "none" if self.understood else "not understood"


def read_report(data: bytes, envelope_recipients: Sequence[str] = ()) -> Report:
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(data)
        outbox_id = _outbox_id(message, envelope_recipients)
    except Exception:  # the message cannot even be parsed: nothing to go on
        log.warning("a report could not be parsed", exc_info=False)
        return Report(_first_outbox_id(envelope_recipients), None, understood=False)
    try:
        if outbox_id is None:  # an SES notice by email names its email inside
            notice = _ses_notice(message)
            source = str(((notice or {}).get("mail") or {}).get("source", ""))
            outbox_id = outbox_id_in(source) if source else None
        bounce_type, diagnostic, auto_reply = _failure(message)
    except Exception as exc:  # malformed MIME, unknown charsets: keep it for an admin
        log.warning("a report could not be read: %s", type(exc).__name__)
        return Report(outbox_id, None, understood=False)
    return Report(outbox_id, bounce_type, without_addresses(diagnostic), auto_reply)


def without_addresses(diagnostic: str) -> str:
    """A server's diagnostic, kept for admins, without the addresses it quotes
    (a subscriber's is personal data; the email already names who it was to)."""
    return _AN_ADDRESS.sub("<address>", " ".join(_text_of(diagnostic).split()))[:300]


def _text_of(value) -> str:
    """A header or field as text, whatever bytes or encoded words it holds."""
    if isinstance(value, str):
        return value
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:
        return str(value).encode("ascii", "replace").decode("ascii")


def _first_outbox_id(places: Sequence[str]) -> int | None:
    for place in places:
        found = outbox_id_in(place)
        if found is not None:
            return found
    return None


def _outbox_id(message: Message, envelope_recipients: Sequence[str]) -> int | None:
    places = list(envelope_recipients) + _address_headers(message)
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in QUOTED_TYPES:
            places += _address_headers(_quoted(part))
        elif content_type == "message/feedback-report":
            for fields in _field_blocks(part):
                places += [fields.get("original-mail-from", ""), fields.get("original-rcpt-to", "")]
    return _first_outbox_id(places)


def _address_headers(message: Message | None) -> list[str]:
    if message is None:
        return []
    return [_text_of(value) for name in ADDRESS_HEADERS for value in message.get_all(name, [])]


def _quoted(part: Message) -> Message | None:
    """The original message (or just its headers) a report quotes."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    if isinstance(payload, str):
        raw = payload.encode("utf-8", "surrogateescape")
        return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    return None


def _failure(message: Message) -> tuple[BounceType | None, str, bool]:
    """(verdict, diagnostic, whether it is an automatic reply)."""
    report_type = str(message.get_param("report-type") or "").lower()
    content_type = message.get_content_type()
    if content_type == "multipart/report" and report_type == "feedback-report":
        return BounceType.COMPLAINT, _feedback_type(message), False
    if _is_jmrp(message):
        return BounceType.COMPLAINT, "complaint: abuse (Microsoft JMRP)", False
    if _is_unsubscribe_request(message):
        return BounceType.COMPLAINT, "complaint: asked to unsubscribe (by email)", False
    if _from_ses(message):
        notice = _ses_notice(message)
        if notice is None:  # an SES notice we cannot read: its words mislead
            return None, "an Amazon SES notification that could not be read", False
        return (*notice_verdict(notice), False)
    dsn = _delivery_status(message)
    if dsn is not None:
        return (*dsn, False)
    if _is_auto_reply(message):
        return None, "automatic reply", True
    bounce_type, diagnostic = _guess(message)
    return bounce_type, diagnostic, False


def _feedback_type(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            fields = next(iter(_field_blocks(part)), {})
            return f"complaint: {fields.get('feedback-type', 'abuse')}"
    return "complaint"


def _is_jmrp(message: Message) -> bool:
    """Microsoft's Junk Mail Reporting Program: a plain message from
    staff@hotmail.com quoting the original, not an ARF report."""
    sender = _text_of(message.get("From", "")).lower()
    if "staff@hotmail.com" not in sender and "@jmrp" not in sender:
        return False
    return any(p.get_content_type() == "message/rfc822" for p in message.walk())


def _is_unsubscribe_request(message: Message) -> bool:
    """A mail client's unsubscribe by email (Apple Mail's, to a List-Unsubscribe
    mailto: address): the subject says it, and nothing else."""
    return _text_of(message.get("Subject", "")).strip().lower() == "unsubscribe"


def _from_ses(message: Message) -> bool:
    return "amazonaws.com" in _text_of(message.get("From", "")).lower()


def _ses_notice(message: Message) -> dict | None:
    """An Amazon SES notification delivered as an email (an SNS email
    subscription): its JSON, or None. Mail systems fold its one long line."""
    if not _from_ses(message):
        return None
    text = _text(message)
    start, end = text.find("{"), text.rfind("}")
    try:
        notice = json.loads(re.sub(r"\r?\n ?", "", text[start : end + 1]))
        if isinstance(notice, dict) and isinstance(notice.get("Message"), str):
            notice = json.loads(notice["Message"])  # SNS's envelope around SES's notice
    except ValueError:
        return None
    return notice if isinstance(notice, dict) else None


def notice_verdict(notice: dict) -> tuple[BounceType | None, str]:
    """An Amazon SES notice's verdict and diagnostic (by SNS or by email)."""
    kind = notice.get("notificationType") or notice.get("eventType")
    if kind == "Complaint":
        feedback = (notice.get("complaint") or {}).get("complaintFeedbackType", "abuse")
        return BounceType.COMPLAINT, f"complaint: {feedback}"
    if kind != "Bounce":
        return None, str(kind or "")  # Delivery, Send, Open...: no failure
    bounce = notice.get("bounce") or {}
    recipient = (bounce.get("bouncedRecipients") or [{}])[0] or {}
    status, diagnostic = str(recipient.get("status", "")), str(recipient.get("diagnosticCode", ""))
    return ses_verdict(bounce, status, diagnostic), " ".join(x for x in (status, diagnostic) if x)


def _delivery_status(message: Message) -> tuple[BounceType | None, str] | None:
    """An RFC 3464 report's verdict, or None when the message is not one.
    The first failed recipient decides; a report of delays alone is no failure."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _field_blocks(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "").strip()
            diagnostic = fields.get("diagnostic-code", "").split(";", 1)[-1].strip()
            if "final-recipient" not in fields and "original-recipient" not in fields:
                continue  # the per-message block
            if action and action not in ("failed", "failure", "expired"):
                continue  # delayed, delivered, relayed, expanded: not a failure
            if not action and not status.startswith(("4", "5")) and not diagnostic:
                continue
            status = status or status_in(diagnostic)
            detail = " ".join(x for x in (status, diagnostic) if x) or action
            # No Diagnostic-Code: the report's words for people say what happened.
            words = diagnostic or _words_about(message, fields)
            return judge(status, words), detail
        return None, ""
    return None


def _words_about(message: Message, fields: dict[str, str]) -> str:
    """A report's words for people about this recipient, where its fields
    give no diagnostic."""
    text = _diagnostic_text(_text(message))
    others = {
        value.split(";", 1)[-1].strip().strip("<>")
        for part in message.walk()
        if part.get_content_type() == "message/delivery-status"
        for block in _field_blocks(part)
        if (value := block.get("final-recipient") or block.get("original-recipient"))
    }
    mine = fields.get("final-recipient") or fields.get("original-recipient") or ""
    mine = mine.split(";", 1)[-1].strip().strip("<>")
    if len(others) < 2 or not mine:
        return text
    section = _first_recipients_words(text[max(0, text.lower().find(mine.lower())) :], others)
    return section if by_text(section) else text


def _field_blocks(part: Message) -> Iterable[dict[str, str]]:
    """The blocks of "Name: value" fields of a report part (in a
    message/delivery-status part: the per-message block, then one per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser has made each block a Message
        for block in payload:
            if isinstance(block, Message):
                fields = {k.lower(): _text_of(v) for k, v in block.items()}
                # A diagnostic continued on lines without indentation ends
                # the parser's headers: the fields after it are in the body.
                rest = block.get_payload()
                if isinstance(rest, str) and rest.strip():
                    fields = {**_parse_fields(rest), **fields}
                yield fields
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


def _is_auto_reply(message: Message) -> bool:
    """RFC 3834's marks, the headers Exchange and others add, or the usual
    subjects, on a message that is not itself a delivery report."""
    auto = _text_of(message.get("Auto-Submitted", "")).strip().lower()
    sender = _text_of(message.get("From", ""))
    subject = _text_of(message.get("Subject", ""))
    if _BOUNCE_SENDER.search(sender) or _BOUNCE_SUBJECT.search(subject):
        return False  # an MTA's report, which RFC 3834 also marks auto-replied
    if message.get("X-Failed-Recipients") or _BOUNCE_TEXT.search(_text(message)[:2000]):
        return False
    precedence = _text_of(message.get("Precedence", "")).strip().lower()
    return (
        auto.startswith("auto-replied")
        or any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        or precedence == "auto_reply"
        or bool(_AUTO_REPLY_SUBJECT.search(subject))
    )


def _guess(message: Message) -> tuple[BounceType | None, str]:
    """A report in no standard shape: flufl.bounce's detectors find the
    failed addresses, and the server's words say whose fault it was. A
    message neither flufl nor its sender and subject mark as a report is
    not one: a number in free text decides nothing."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # some of its detectors fail on odd input (one on a missing From)
        temporary = permanent = frozenset()
    text = _diagnostic_text(_text(message))
    looks_like_report = bool(
        _BOUNCE_SENDER.search(_text_of(message.get("From", "")))
        or _BOUNCE_SUBJECT.search(_text_of(message.get("Subject", "")))
        or _BOUNCE_TEXT.search(text[:2000])
    )
    if not (temporary or permanent or looks_like_report):
        return None, ""
    failed = {
        a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)
        for a in (*temporary, *permanent)
    }
    failed.update(_text_of(a).strip() for a in message.get_all("X-Failed-Recipients", []))
    first = _first_recipients_words(text, failed)
    reply = _reply_line(message)
    detail = reply or _text_of(message.get("Subject", ""))
    # flufl.bounce's "temporary" decides only where the words do not.
    permanent_or_not = False if temporary and not permanent else None
    if _names_our_domain(message, reply, failed):
        return BounceType.SITE, detail
    if first is not text and by_text(first):
        words = first  # several recipients: the first one's words
    elif by_text(reply):
        words = reply  # the server's own reply, before the report's other words
    else:
        words = f"{reply}\n{text}"
    return judge("", words, permanent=permanent_or_not), detail


def _names_our_domain(message: Message, reply: str, failed: set[str]) -> bool:
    """The server's reply refuses the site's own sender (the address, or
    the domain, this report came back to) rather than the failed recipient:
    "553 5.1.0 site.example does not exist"."""
    ours = {address.lower() for _, address in getaddresses(
        [_text_of(value) for value in message.get_all("To", [])]) if "@" in address}  # fmt: skip
    named = {found.strip("<>").lower() for found in _AN_ADDRESS.findall(reply)}
    if named:
        return bool(named & ours)
    domains = {address.rpartition("@")[2] for address in ours}
    domains -= {address.rpartition("@")[2].lower() for address in failed}
    lowered = reply.lower()
    whole = (rf"(?<![\w.-]){re.escape(domain)}(?![\w-])" for domain in domains)
    return any(re.search(pattern, lowered) for pattern in whole)


def _first_recipients_words(text: str, addresses: set[str]) -> str:
    """A report about several addresses: the words about the first of them
    (each address gets its own verdict elsewhere; this site sends one per
    email, so the first is the one)."""
    lowered = text.lower()
    places = sorted(
        (at, len(address))
        for address in addresses
        if address and (at := lowered.find(address.lower())) >= 0
    )
    if len(places) < 2:
        return text
    (start, length), (after, _) = places[0], places[1]
    return text[start + length : after]


def _reply_line(message: Message) -> str:
    found = _REPLY_LINE.search(_text(message))
    return found.group(0).strip() if found else ""


def _diagnostic_text(text: str) -> str:
    """The part of a report's text that explains the failure: everything
    before the quoted original, which would otherwise lend its own words."""
    cut = re.search(
        r"^(-+ ?(original message|this is a copy|below this line)|"
        r"------ This is a copy of the message|Received: |Return-Path: )",
        text,
        re.IGNORECASE | re.MULTILINE,
    )
    return text[: cut.start()] if cut else text


def _text(message: Message) -> str:
    parts = []
    for part in message.walk():
        if (
            part.get_content_maintype() == "text"
            and part.get_content_type() != "text/rfc822-headers"
        ):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append(_decoded(payload, part.get_content_charset() or "utf-8"))
    if not parts and message.get_content_maintype() == "multipart":
        # Its MIME is broken (a boundary that never comes, a header cut in
        # two): the body as it stands is still a report a person can read.
        parts.append(_raw_body(message))
    return "\n".join(parts)


def _raw_body(message: Message) -> str:
    payload = message.get_payload()
    if isinstance(payload, str):  # no boundary found: the parser kept it whole
        return payload
    try:
        whole = message.as_string()
    except Exception:  # a message the generator cannot write back
        return ""
    return whole.split("\n\n", 1)[-1]


def _decoded(payload: bytes, charset: str) -> str:
    """Text in its declared charset; UTF-8 where that is unknown or is not a
    text encoding at all (charset=idna raises whatever the error handler)."""
    try:
        return payload.decode(charset, "replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        return payload.decode("utf-8", "replace")
