"""Relays' signatures for tests: an SNS signing key and certificate made here,
SNS messages signed with it, and Mailgun events signed as Mailgun signs them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

SNS_TOPIC = "arn:aws:sns:eu-west-2:123456789012:ses-bounces"
SNS_CERT_URL = "https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-test.pem"
MAILGUN_KEY = "key-0123456789abcdef0123456789abcdef"


class SnsSigner:
    """A key and a self-signed certificate standing in for SNS's."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    def message(self, notice: dict, *, cert_url: str = SNS_CERT_URL, topic: str = SNS_TOPIC,
                **changes) -> dict:  # fmt: skip
        """A signed SNS Notification of `notice`; `changes` (None: removed) after signing."""
        message = {
            "Type": "Notification", "MessageId": secrets.token_hex(8), "TopicArn": topic,
            "Message": json.dumps(notice), "Timestamp": "2026-12-01T10:00:00.000Z",
            "SignatureVersion": "2", "SigningCertURL": cert_url,
        }  # fmt: skip
        text = "".join(f"{k}\n{message[k]}\n" for k in ("Message", "MessageId", "Timestamp",
                                                         "TopicArn", "Type"))  # fmt: skip
        signature = self.key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        message["Signature"] = base64.b64encode(signature).decode()
        for name, value in changes.items():
            if value is None:
                message.pop(name, None)
            else:
                message[name] = value
        return message


def mailgun_event(event_data: dict, *, key: str = MAILGUN_KEY, timestamp: int | None = None,
                  token: str | None = None) -> dict:  # fmt: skip
    """A webhook body as Mailgun posts it, signed with `key`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    token = secrets.token_hex(25) if token is None else token
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": str(timestamp), "token": token, "signature": signature},
        "event-data": event_data,
    }
