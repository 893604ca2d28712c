"""A letter's share code: made when the letter is stored, and the link its
writer shares, which carries it. What the link leads to (visits, letters
written, the funnel) is the sharing package's to count."""

from __future__ import annotations

import secrets

from app.letters.models import Letter
from app.links import external_url


def new_share_code() -> str:
    return secrets.token_urlsafe(9)


def personal_link(letter: Letter, channel: str) -> str:
    """The link this letter's writer shares on `channel`."""
    return external_url("public.shared", code=letter.share_code, channel=channel)
