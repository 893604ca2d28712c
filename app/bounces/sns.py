"""Amazon SES's bounce and complaint notifications, delivered by SNS over HTTPS.

A message is believed only when its signature verifies with the certificate
SNS names, and only for a topic in SNS_TOPIC_ARNS. The certificate is
fetched only from SNS's own host in a region (`https://sns.<region>.amazonaws.com/...pem`,
or `.amazonaws.com.cn` in China), never by following a redirect, at most
64 KB, and kept in a small cache (the 16 most recently used). A message
without its signature is refused before anything is fetched; one whose
certificate cannot be had is refused too (logged, with the host and the
error's class). The email it is about is found by its return path: SES
reports the envelope sender it was given (`mail.source`), which is the
email's VERP address (app/outbox/return_path.py).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import current_app

from app.bounces.reports import Report, notice_verdict, without_addresses
from app.outbox.return_path import outbox_id_in

log = logging.getLogger(__name__)
# SNS's own host in a region, and a .pem file on it. "sns.<anything>.amazonaws.com"
# would let in sns.s3.amazonaws.com (or sns.s3-us-west-2...): an S3 bucket
# named "sns", anyone's to create, serving a certificate of its owner's.
# A region is two letters, an optional "-gov", a word and a number; S3's
# host names all start "s3". No user, no port, no query: the URL is matched whole.
CERTIFICATE_URL = re.compile(
    r"https://sns\.(?:[a-z]{2}(?:-gov)?-[a-z]+-[0-9]{1,2}\.amazonaws\.com"
    r"|cn-[a-z]+-[0-9]{1,2}\.amazonaws\.com\.cn)"
    r"(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/[A-Za-z0-9_-][A-Za-z0-9._-]*\.pem"
)
MAX_CERTIFICATE_BYTES = 64 * 1024
CACHED_CERTIFICATES = 16
FETCH_TIMEOUT_SECONDS = 5
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
    """Not a genuine SNS message for a topic of ours: nothing is done (403)."""

    status = 403


class Malformed(Refused):
    """Not an SNS message, or one without its signature: refused (400)
    before anything is fetched."""

    status = 400


def verified(body: bytes) -> dict:
    """The SNS message, once its topic and signature check out."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise Malformed("not JSON") from exc
    if not isinstance(message, dict) or str(message.get("Type")) not in SIGNED:
        raise Malformed("not an SNS message")
    if not all(
        isinstance(message.get(key), str) and message[key]
        for key in ("Signature", "SigningCertURL", "SignatureVersion")
    ):
        raise Malformed("not signed")
    algorithm = HASHES.get(message["SignatureVersion"])
    if algorithm is None:
        raise Malformed("unknown signature version")
    try:
        signature = base64.b64decode(message["Signature"], validate=True)
    except ValueError as exc:
        raise Malformed("signature not in base64") from exc
    if message.get("TopicArn") not in current_app.config["SNS_TOPIC_ARNS"]:
        raise Refused("not a topic of ours")
    text = "".join(
        f"{key}\n{message[key]}\n" for key in SIGNED[message["Type"]] if key in message
    ).encode()
    public_key = certificate(message["SigningCertURL"]).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise Refused("not an RSA certificate")
    try:
        public_key.verify(signature, text, padding.PKCS1v15(), algorithm())
    except InvalidSignature as exc:
        raise Refused("bad signature") from exc
    return message


def is_certificate_url(url: str) -> bool:
    """Whether `url` is a .pem file on SNS's own host in a region, and nothing more."""
    return CERTIFICATE_URL.fullmatch(url) is not None


def certificate(url: str) -> x509.Certificate:
    """The signing certificate at `url`, which must be https on an SNS host
    (Refused otherwise, or when it cannot be fetched or read)."""
    if not is_certificate_url(url):
        raise Refused("certificate not from SNS")
    cache = _cache()
    found = cache.get(url)
    if found is not None:
        return found
    try:
        found = x509.load_pem_x509_certificate(download(url))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # OSError: refused, timed out, TLS, an HTTP error or a redirect
        # (urllib's errors are OSErrors); ValueError: too big, or not a PEM certificate.
        log.warning("SNS signing certificate unavailable from %s: %s",
                    urllib.parse.urlsplit(url).hostname, type(exc).__name__)  # fmt: skip
        raise Refused("certificate unavailable") from exc
    cache.put(url, found)
    return found


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError: a redirect is not followed


def download(url: str) -> bytes:
    """The body at `url`: at most MAX_CERTIFICATE_BYTES (ValueError beyond),
    within FETCH_TIMEOUT_SECONDS, no redirect followed. Only ever called
    with a URL `is_certificate_url` accepted (tests replace it)."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        response = opener.open(url, timeout=FETCH_TIMEOUT_SECONDS)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response, and its connection
        raise
    with response:
        data = response.read(MAX_CERTIFICATE_BYTES + 1)
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValueError("certificate too large")
    return data


class CertificateCache:
    """The most recently used certificates, by URL, at most `size` of them
    (SNS rotates its certificate now and then, and has one per region)."""

    def __init__(self, size: int = CACHED_CERTIFICATES):
        self.size = size
        self._lock = threading.Lock()
        self._certificates: OrderedDict[str, x509.Certificate] = OrderedDict()

    def get(self, url: str) -> x509.Certificate | None:
        with self._lock:
            found = self._certificates.get(url)
            if found is not None:
                self._certificates.move_to_end(url)
            return found

    def put(self, url: str, found: x509.Certificate) -> None:
        with self._lock:
            self._certificates[url] = found
            self._certificates.move_to_end(url)
            while len(self._certificates) > self.size:
                self._certificates.popitem(last=False)

    def __setitem__(self, url: str, found: x509.Certificate) -> None:
        self.put(url, found)

    def urls(self) -> list[str]:
        """The cached URLs, least recently used first."""
        with self._lock:
            return list(self._certificates)


def _cache() -> CertificateCache:
    return current_app.extensions.setdefault("sns_certificates", CertificateCache())


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
    bounce_type, diagnostic = notice_verdict(notice)
    if bounce_type is None:
        return []
    # One email, one recipient: the site sends one per email.
    return [Report(outbox_id, bounce_type, without_addresses(diagnostic))]
