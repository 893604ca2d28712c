"""The DNS records that let receivers trust the site's mail: SPF for the
envelope's domain, DKIM for the signing key, DMARC for the From domain, and
an MX for the bounce domain when bounces are read by `flask bounces serve`."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app

from app.outbox.mime import site_sender
from app.outbox.signing import dkim_domain


def records() -> list[str]:
    config = current_app.config
    sender_domain = site_sender().domain or "localhost"
    envelope_domain = config["BOUNCE_DOMAIN"] or sender_domain
    lines = [
        f"; Mail from {sender_domain}, envelope (bounces) at {envelope_domain}",
        f'{envelope_domain}. TXT "v=spf1 {config["SPF_MECHANISMS"]} -all"',
    ]
    if config["BOUNCE_DOMAIN"]:
        lines.append(f"{envelope_domain}. MX 10 <the host running `flask bounces serve`, "
                     "or your relay's inbound host>")  # fmt: skip
    key_file = config["DKIM_PRIVATE_KEY_FILE"]
    if key_file:
        public = _public_key(Path(key_file).read_bytes())
        selector = config["DKIM_SELECTOR"]
        lines.append(f'{selector}._domainkey.{dkim_domain()}. TXT "v=DKIM1; k=rsa; p={public}"')
    else:
        lines.append("; no DKIM key configured (DKIM_PRIVATE_KEY_FILE): mail is not signed")
    contact = config.get("OPERATOR_CONTACT") or ""
    report_to = contact if "@" in contact else f"postmaster@{sender_domain}"
    lines.append(
        f'_dmarc.{sender_domain}. TXT "v=DMARC1; p=quarantine; adkim=r; aspf=r; '
        f'rua=mailto:{report_to}"'
    )
    return lines


def _public_key(private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()
