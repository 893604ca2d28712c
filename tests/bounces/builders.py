"""Bounce reports for tests: the sample shapes in samples/, for a given email."""

from __future__ import annotations

from pathlib import Path

from app.outbox.return_path import return_path

BOUNCE_DOMAIN = "bounces.example.org"
SAMPLES = Path(__file__).parent / "samples"


def sample(name: str, *, outbox_id: int, recipient: str) -> bytes:
    """A sample report about outbox row `outbox_id` (an app context is needed)."""
    text = (SAMPLES / name).read_text()
    text = text.replace("{return_path}", return_path(outbox_id)).replace("{recipient}", recipient)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
