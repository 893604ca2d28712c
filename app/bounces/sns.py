"""Amazon SES's bounce and complaint notifications, delivered by SNS over HTTPS.

A message is believed only when its signature verifies with the certificate
SNS names, which is fetched from an https address on an SNS host of
amazonaws.com and nowhere else (and cached), and only for a topic in
SNS_TOPIC_ARNS. The email it is about is found by its return path: SES
reports the envelope sender it was given (`mail.source`), which is the
email's VERP address (app/bounces/return_path.py).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import current_app

from app.bounces.models import BounceType
from app.bounces.reports import Report, without_addresses
from app.bounces.return_path import outbox_id_in

log = logging.getLogger(__name__)
SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED["UnsubscribeConfirmation"] = SIGNED["SubscriptionConfirmation"]
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}


class Refused(Exception):
    """Not a genuine SNS message for a topic of ours: nothing is done."""


def verified(body: bytes) -> dict:
    """The SNS message, once its topic and signature check out."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise Refused("not JSON") from exc
    if not isinstance(message, dict) or message.get("Type") not in SIGNED:
        raise Refused("not an SNS message")
    if message.get("TopicArn") not in current_app.config["SNS_TOPIC_ARNS"]:
        raise Refused("not a topic of ours")
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise Refused("unknown signature version")
    text = "".join(
        f"{key}\n{message[key]}\n" for key in SIGNED[message["Type"]] if key in message
    ).encode()
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        public_key = certificate(str(message.get("SigningCertURL", ""))).public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise Refused("not an RSA certificate")
        public_key.verify(signature, text, padding.PKCS1v15(), algorithm())
    except (InvalidSignature, ValueError) as exc:
        raise Refused("bad signature") from exc
    return message


def certificate(url: str) -> x509.Certificate:
    """The signing certificate at `url`, which must be https on an SNS host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not SNS_HOST.match(parts.hostname or ""):
        raise Refused("certificate not from SNS")
    cache: dict = current_app.extensions.setdefault("sns_certificates", {})
    if url not in cache:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - https only, checked above
            cache[url] = x509.load_pem_x509_certificate(response.read(1_000_000))
    return cache[url]


def reports(message: dict) -> list[Report]:
    """What an SES notification reports, one Report per bounced recipient."""
    if message["Type"] != "Notification":
        if message["Type"] == "SubscriptionConfirmation":
            # Confirmed by an operator (the address is in the log, and in the
            # SNS console), never fetched from here on a stranger's word.
            log.warning("SNS subscription to %s awaits confirmation: %s",
                        message["TopicArn"], message.get("SubscribeURL"))  # fmt: skip
        return []
    try:
        notice = json.loads(message["Message"])
    except ValueError:
        return []
    if not isinstance(notice, dict):
        return []
    mail = notice.get("mail") or {}
    outbox_id = outbox_id_in(str(mail.get("source", "")))
    kind = notice.get("notificationType") or notice.get("eventType")
    if kind == "Complaint":
        feedback = (notice.get("complaint") or {}).get("complaintFeedbackType", "abuse")
        return [Report(outbox_id, BounceType.COMPLAINT, f"complaint: {feedback}")]
    if kind != "Bounce":
        return []
    bounce = notice.get("bounce") or {}
    bounce_type = BounceType.HARD if bounce.get("bounceType") == "Permanent" else BounceType.SOFT
    recipients = bounce.get("bouncedRecipients") or [{}]
    return [
        Report(outbox_id, bounce_type, without_addresses(" ".join(
            str(r.get(k, "")) for k in ("status", "diagnosticCode") if r.get(k))))
        for r in recipients[:1]  # one email, one recipient: the site sends one per email
    ]  # fmt: skip
