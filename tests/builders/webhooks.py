"""A partner's receiver for tests: a real HTTPS server on this machine.

It checks each call as the Standard Webhooks specification tells a receiver
to, with its own code (not the library the site signs with): the three
headers, a timestamp within five minutes, and an HMAC-SHA256 of
"{id}.{timestamp}.{body}" under the secret's bytes among the signatures.
It can be told to answer with a list of statuses first (503, 503, then the
usual 200) or to hang; it keeps what it accepted, in order.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPLAY_WINDOW = 300  # seconds, as the reference libraries allow


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, and its key: (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "receiver.pem", folder / "receiver.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def verify(secret: str, headers, body: bytes, now: float | None = None) -> bool:
    """The specification's check, written from its text."""
    ident = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (ident and stamp and signatures):
        return False
    if abs((now or time.time()) - int(stamp)) > REPLAY_WINDOW:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{ident}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return any(
        version == "v1" and hmac.compare_digest(value, expected)
        for version, _, value in (part.partition(",") for part in signatures.split(" "))
    )


@dataclass
class Call:
    ident: str
    event: dict
    headers: dict


@dataclass
class Receiver:
    secret: str = ""  # set once the endpoint is registered
    answers: list[int] = field(default_factory=list)  # statuses to give first, in turn
    hang_seconds: float = 0.0  # wait this long before answering (a slow endpoint)
    accepted: list[Call] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)  # the statuses it gave instead
    unsigned: int = 0  # calls whose signature did not check out
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hooks/write-to-your-mp") -> str:
        return f"https://localhost:{self.port}{path}"

    def events(self) -> list[tuple[str, str]]:
        """(type, subject id) of each accepted call, in order."""
        return [(call.event["type"], subject_of(call.event)) for call in self.accepted]


def subject_of(event: dict) -> str:
    data = event["data"]
    return (data.get("letter") or data.get("person"))["id"]


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that gave up (the site's timeout) is part of the test, not news."""


def serve(receiver: Receiver, cert: Path, key: Path) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if receiver.hang_seconds:
                time.sleep(receiver.hang_seconds)
            with receiver.lock:
                if not verify(receiver.secret, self.headers, body):
                    receiver.unsigned += 1
                    status = 401
                elif receiver.answers:
                    status = receiver.answers.pop(0)
                    receiver.refused.append(status)
                else:
                    status = 200
                    receiver.accepted.append(
                        Call(self.headers["webhook-id"], json.loads(body), dict(self.headers))
                    )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
