"""Bounce reports for tests: the sample shapes in samples/, for a given email."""

from __future__ import annotations

from pathlib import Path

from app.outbox.return_path import return_path

BOUNCE_DOMAIN = "bounces.example.org"
SAMPLES = Path(__file__).parent / "samples"


def sample(name: str, *, outbox_id: int, recipient: str) -> bytes:
    """A sample report about outbox row `outbox_id` (an app context is needed)."""
    return sample_to(name, envelope_sender=return_path(outbox_id), recipient=recipient)


def sample_to(name: str, *, envelope_sender: str, recipient: str) -> bytes:
    """A sample report sent back to an email's envelope sender (its return path)."""
    text = (SAMPLES / name).read_text()
    text = text.replace("{return_path}", envelope_sender).replace("{recipient}", recipient)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def site_fault_dsn(outbox_id: int, recipient: str) -> bytes:
    """A real-shaped Postfix DSN: the recipient's server refuses our sending
    IP (a blocklist), the site's fault, not the recipient's."""
    return site_fault_dsn_to(return_path(outbox_id), recipient)


def site_fault_dsn_to(envelope_sender: str, recipient: str) -> bytes:
    """The same, sent back to an email's envelope sender (its return path)."""
    dsn = sample_to("postfix_dsn.eml", envelope_sender=envelope_sender, recipient=recipient)
    text = dsn.decode()
    return (
        text.replace("Status: 5.1.1", "Status: 5.7.1")
        .replace("550 5.1.1 <" + recipient + ">: Recipient address rejected:\r\n"
                 "    User unknown in virtual mailbox table",
                 "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using\r\n"
                 "    zen.spamhaus.org")
    ).encode()  # fmt: skip
