"""DKIM signatures (RFC 6376) on the site's emails, with dkimpy.

Relaxed canonicalisation of headers and body, so a relay that re-folds a
header or trims trailing spaces leaves the signature valid. RSA-SHA256,
which every receiver checks (Ed25519 is not yet checked everywhere).
"""

from __future__ import annotations

import dkim

SIGNED_HEADERS = [b"from", b"to", b"reply-to", b"subject", b"date", b"message-id",
                  b"mime-version", b"content-type", b"list-id", b"list-unsubscribe",
                  b"list-unsubscribe-post"]  # fmt: skip


class Signer:
    def __init__(self, selector: str, domain: str, private_key_pem: bytes):
        self.selector = selector.encode()
        self.domain = domain.encode()
        self.key = private_key_pem

    def header(self, message: bytes) -> bytes:
        """The DKIM-Signature header (CRLF-terminated) to put before `message`."""
        present = _header_names(message)
        return dkim.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h for h in SIGNED_HEADERS if h in present],
            linesep=b"\r\n",
        )


def _header_names(message: bytes) -> set[bytes]:
    """The names (lower case) of the headers `message` carries; a folded
    line (starting with white space) continues a header and names none."""
    head = message.split(b"\r\n\r\n", 1)[0]
    return {
        line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if line[:1] not in b" \t"
    }
