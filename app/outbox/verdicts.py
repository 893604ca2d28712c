"""Whose fault a failed delivery was, from what the reporting server said.

Four verdicts, each with its own consequence (app/bounces/handling.py):

- RECIPIENT: the address will never take mail (no such user or domain,
  moved, disabled). Flag the MP's address; suppress the subscriber.
- TRANSIENT: not now (mailbox full, expired, delays, network, throttling).
  Counted softly; never flags or suppresses on its own.
- SITE: the sender's or the message's fault (blocked, spam, SPF, DKIM or
  DMARC, reverse DNS, reputation, policy, relaying denied, too big). A site
  problem for the admins; never booked against the recipient.
- COMPLAINT: the recipient reported the email as spam.

The diagnostic text decides first, because servers reuse codes (5.7.1 means
"user unknown" at one and "you are on a blocklist" at the next); then the
enhanced status code (RFC 3463), then the bare SMTP reply code. A number
found loose in free text never decides: "closed until 5.1.26" is a date.
The reasons are those of sisimai's corpus (tests/bounces/sisimai/), mapped
in docs/deliverability.md.
"""

from __future__ import annotations

import re
from enum import StrEnum


class BounceType(StrEnum):
    """Whose fault a failure was (judge() below decides): of a refusal at
    sending, of a bounce report, and of any other work the outbox does."""

    RECIPIENT = "recipient"  # the address will never take mail ("user unknown")
    TRANSIENT = "transient"  # not now ("mailbox full"): three in a row suppress a subscriber
    SITE = "site"  # ours: blocked, spam, SPF/DKIM/DMARC, policy; never the recipient's
    COMPLAINT = "complaint"  # the recipient reported it as spam (ARF, JMRP)


# An enhanced status code (RFC 3463) where a server puts one: at the start of
# a Status field, or right after an SMTP reply code.
STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
REPLY_THEN_STATUS = re.compile(r"\b([245]\d\d)[ -]+(?:#)?([245])\.(\d{1,3})\.(\d{1,3})\b")
REPLY = re.compile(r"(?:^|[\s(:;\"'])([245][0-5]\d)(?=[\s-])")

# The words, in the order they are tried: the most specific first. Each list
# is one verdict's; a server's text is matched against each in turn.
_SENDER = [  # the site's own address refused: never the recipient's fault
    r"sender address",
    r"domain of sender",
    r"(?<!reply to )mail from",
    r"unroutable sender",
    r"sender (rejected|denied|unknown|verif)",
    r"\bgroups\.google\.com\b",
]
_DELAYED = [  # a delivery that ran out of time or met a passing fault
    r"mail ?box (is )?full",
    r"over ?quota",
    r"quota (exceeded|full)",
    r"exceeded storage",
    r"exceed(s|ed)? (the |his |her )?(storage|quota|mailbox size)",
    r"mailbox.*\bfull\b",
    r"insufficient (system )?(storage|space|disk)",
    r"(disk|storage) (is )?full",
    r"no space left",
    r"out of (disk )?space",
    r"too much mail data",
    r"mailbox exceeds",
    r"too many recipients",
    r"internal (system )?error",
    r"could not deliver for the last",
    r"dns error(?!.*(doesn't|does not) receive)",
    r"delivery failed \d+ attempts",
    r"aborted after",
    r"pipe to \|",
    r"child status",
    r"host not reachable",
    r"requests to connect",
    r"message expired",
    r"\bexpired\b",
    r"retry (time|timeout)",
    r"delivery (time|period) expired",
    r"could not be delivered within",
    r"has not been delivered for",
    r"failing for a long time",
    r"(in|on) the queue (too long|for too long)",
    r"too long in the queue",
    r"hop count",
    r"routing loop",
    r"mail loop",
    r"loops? back",
    r"queue file write error",
    r"mailer error",
    r"\bon hold\b",
    r"frequency limited",
    r"receiving mail at a rate",
    r"too many recipients this hour",
    r"too many (connections|concurrent|sessions)",
    r"unable to contact",
    r"could not connect",
    r"unable to connect",
    r"connection (refused|"
    r"reset|timed out|dropped|lost)",
    r"network (is )?unreachable",
    r"host unreachable",
    r"\btimed? ?out\b",
    r"malformed or unexpected name server reply",
]
_GONE = [  # the address: no such user or domain, moved, disabled
    r"user ?(name )?unknown",
    # (SES's "Unknown address error" is its label for any refusal: the words follow.)
    r"unknown (user|recipient|local ?part|mailbox|address(?! error)|account)",
    r"no such (user|mailbox|recipient|address|account|person|local user|domain)",
    r"(user|mailbox|recipient|address|account|e-?mail address)( \S+)? "
    r"(does not|doesn't|did not|no longer) exist",
    r"not (a )?(valid|known) (user|mailbox|recipient|address)",
    r"is not a valid",
    r"invalid (user|mailbox|recipient|address|e-?mail)",
    r"(user|mailbox|recipient|address) (is )?(invalid|not found|unavailable)",
    r"recipient (not found|unknown|invalid)",
    r"address (not found|unknown|not recognized)",
    r"recipient address rejected(\.?\s*$|: (access denied|user))",
    r"unrouteable address",
    r"unroutable address",
    r"no mailbox",
    r"mailbox (not found|unavailable|does not)",
    r"host (or domain name )?(unknown|not found)",
    r"domain (not found|does not exist|unknown)",
    r"unknown (host|domain)",
    r"no mx (record|for)",
    r"name service error",
    r"nxdomain",
    r"domain is not reachable",
    r"(doesn't|does not) receive (e-?mail|mail)",
    r"account (has been |is )?(disabled|closed|inactive|suspended|deactivated|locked|"
    r"terminated|deleted|expired|blocked|discontinued)",
    r"(disabled|inactive|suspended|deactivated|closed) (account|mailbox|user|recipient)",
    r"mailbox (is )?(disabled|inactive|suspended)",
    r"compte du destinataire",
    r"has (been )?moved",
    r"no longer (valid|active|in use|accepts|available|here|with)",
    r"user not local",
    r"not accepting (any |network )?(mail|messages)",
    r"does not accept (any )?mail",
    r"null mx",
    r"i couldn't find any host",
    r"bad destination",
    r"no such person",
    r"not our customer",
    r"user (is )?suspended",
    r"recipient preferences",
    r"(account|domain|address) (or domain )?may not exist",
    r"(does not|doesn't) exist",
    r"invalid .{0,20}userid",
    r"no valid recipients",
    r"host \S+ not found",
    r"(couldn't|could not|cannot) find (a|any) (mail exchanger|host)",
    r"no mail exchanger",
    r"(doesn't|does not) have an? \S+ account",
    r"not listed in",
    r"^[\d. #-]*address rejected",
    r"message filtered",
    r"mailbox unavailable",
]
_OURS_FOR_CERTAIN = [  # the sending site: its address, its IP, its authentication, its content
    r"block(ed|list|ing)",
    r"black ?list",
    r"deny ?list",
    r"spamhaus",
    r"spamcop",
    r"barracuda",
    r"\brbl\b",
    r"\bdnsbl\b",
    r"listed (at|in|on|by)",
    r"banned",
    r"\bspam",
    r"junk",
    r"unsolicited",
    r"bulk (mail|e-?mail)",
    r"user complaints",
    r"reputation",
    r"sender (score)",
    r"content (rejected|filter|policy)",
    r"message content",
    r"virus",
    r"malware",
    r"infected",
    r"phishing",
    r"\bspf\b",
    r"\bdkim\b",
    r"\bdmarc\b",
    r"authenticat",
    r"unauthenticated",
    r"reverse (dns|lookup|name)",
    r"\bptr\b",
    r"\brdns\b",
    r"no (ptr|reverse)",
    r"name lookup failed",
    r"unverifi?y?able sending",
    r"may not be mail exchanger",
    r"hostname (does not|doesn't) match",
    r"relay",
    r"sender rejected",
    r"sender verification",
    r"verify failed",
    r"header error",
    r"message (is |was )?too (big|large)",
    r"size (limit|exceeds|too)",
    r"exceeds? (the )?(maximum|size|message size)",
    r"message size",
    r"line (limit|too long)",
    r"permission to post",
    r"not authorized",
    r"tls (is )?required",
    r"encryption required",
    r"starttls",
    r"syntax error",
    r"protocol",
    r"command (rejected|not recognized|parameter)",
    r"bad sequence",
    r"malformed",
    r"redundant",
    r"yourself",
    r"suspicious",
    r"fraud",
    r"abuse",
]
_OURS_PERHAPS = [  # a refusal that names no cause
    r"polic(y|ies)",
    r"prohibited",
    r"not allowed",
    r"denied",
    r"refused",
    r"refuse",
    r"rejected",
    r"security",
]
_PASSING = [  # a refusal that says it will pass
    r"try (again )?later",
    r"temporar(il)?y",
    r"greylist",
    r"grey-?listed",
    r"gray ?list",
    r"rate limit",
    r"throttl",
    r"slow down",
    r"resources temporarily",
    r"(service|system) (is )?(currently |temporarily )?(not )?(un)?available",
    r"system (error|failure|busy)",
    r"mail system (full|busy)",
    r"local error",
    r"congestion",
    r"deferr?ed",
    r"transaction failed",
]


def _one(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


WORDS = (
    (_one(_SENDER), BounceType.SITE),
    (_one(_DELAYED), BounceType.TRANSIENT),
    (_one(_GONE), BounceType.RECIPIENT),
    (_one(_OURS_FOR_CERTAIN), BounceType.SITE),
    (_one(_OURS_PERHAPS), BounceType.SITE),
    (_one(_PASSING), BounceType.TRANSIENT),
)

# RFC 3463: class.subject.detail -> whose fault, where the text said nothing.
_BY_STATUS = {
    ("1", "7"): BounceType.SITE, ("1", "8"): BounceType.SITE,  # the sender's address
    ("2", "1"): BounceType.RECIPIENT,  # mailbox disabled
    ("2", "2"): BounceType.TRANSIENT,  # mailbox full
    ("2", "3"): BounceType.SITE,  # message longer than the mailbox allows
    ("3", "4"): BounceType.SITE,  # message too big for the system
    ("4", "4"): BounceType.RECIPIENT,  # unable to route: no such domain
    ("4", "6"): BounceType.TRANSIENT,  # routing loop
    ("4", "7"): BounceType.TRANSIENT,  # delivery time expired
}  # fmt: skip
_BY_SUBJECT = {
    "1": BounceType.RECIPIENT,  # addressing
    "2": BounceType.TRANSIENT,  # mailbox status
    "3": BounceType.TRANSIENT,  # mail system
    "4": BounceType.TRANSIENT,  # network and routing
    "5": BounceType.SITE,  # protocol
    "6": BounceType.SITE,  # message content
    "7": BounceType.SITE,  # security or policy
}
_BY_REPLY = {
    "550": BounceType.RECIPIENT, "551": BounceType.RECIPIENT, "553": BounceType.RECIPIENT,
    "552": BounceType.TRANSIENT, "554": BounceType.SITE,
}  # fmt: skip


WORDS_READ = 20_000  # characters of a report's words that are judged


def by_text(text: str) -> BounceType | None:
    """The verdict the words say, or None. A delay first ("mailbox full" is
    often sent as a 5xx), then the address ("user unknown" is often sent as
    5.7.1, the policy code), then the site's own causes, then a bare refusal,
    then a passing one."""
    if not text:
        return None
    text = text[:WORDS_READ]
    for words, verdict in WORDS:
        if words.search(text):
            return verdict
    return None


def by_status(status: str) -> BounceType | None:
    """The verdict an enhanced status code (2.x.x, 4.x.x, 5.x.x) gives, or None."""
    found = STATUS.match(status or "")
    if not found:
        return None
    klass, subject, detail = found.groups()
    if klass == "2":
        return None
    if klass == "4":
        return BounceType.TRANSIENT
    return _BY_STATUS.get((subject, detail)) or _BY_SUBJECT.get(subject)


def by_reply(code: str) -> BounceType | None:
    if code.startswith("4"):
        return BounceType.TRANSIENT
    return _BY_REPLY.get(code)


def status_in(diagnostic: str) -> str:
    """The enhanced status a server wrote after its reply code ("550 5.1.1 ...")."""
    found = REPLY_THEN_STATUS.search(diagnostic or "")
    return ".".join(found.groups()[1:]) if found else ""


def reply_in(diagnostic: str) -> str:
    found = REPLY.search(diagnostic or "")
    return found.group(1) if found else ""


def judge(status: str = "", diagnostic: str = "", permanent: bool | None = None) -> BounceType:
    """The verdict for one failed recipient. `status` is a DSN's Status field
    (may be empty); `diagnostic` the server's words (with its reply code);
    `permanent` what the report itself says, where it says it."""
    # Fields come folded over lines; a report explains itself in its first
    # pages, and matching every pattern over megabytes would take seconds.
    diagnostic = " ".join((diagnostic or "")[:WORDS_READ].split())
    if re.match(r"5\.1\.[78]\b", status or status_in(diagnostic)):
        return BounceType.SITE  # RFC 3463: the sender's address (ours) was refused
    verdict = by_text(diagnostic)
    if verdict is not None:
        return verdict
    if permanent is False:
        return BounceType.TRANSIENT
    status = status if STATUS.match(status or "") and not status.startswith("5.0.") else ""
    verdict = by_status(status or status_in(diagnostic))
    if verdict is not None:
        return verdict
    verdict = by_reply(reply_in(diagnostic))
    if verdict is not None:
        return verdict
    # A failure that names no cause, by words or code: not enough to flag an
    # address or suppress a person on. Counted softly (sisimai calls these
    # "undefined" or "onhold").
    return BounceType.TRANSIENT


# Amazon SES's own bounce subtypes that say whose fault it was (the rest: the
# remote server's words decide).
SES_SUBTYPES = {
    "NoEmail": BounceType.RECIPIENT,
    "Suppressed": BounceType.RECIPIENT,  # SES's list of addresses that bounced before
    "OnAccountSuppressionList": BounceType.RECIPIENT,
    "MailboxFull": BounceType.TRANSIENT,
    "MessageTooLarge": BounceType.SITE,
    "ContentRejected": BounceType.SITE,
    "AttachmentRejected": BounceType.SITE,
}


def ses_verdict(bounce: dict, status: str, diagnostic: str) -> BounceType:
    """Amazon SES's bounceType (Permanent, Transient, Undetermined) and
    bounceSubType, then the remote server's words."""
    if bounce.get("bounceType") == "Transient":
        return BounceType.TRANSIENT
    known = SES_SUBTYPES.get(str(bounce.get("bounceSubType", "")))
    return known or judge(status, diagnostic)
