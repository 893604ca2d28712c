"""Share links: each writer's own link and buttons, and the signed `ref` that
credits a letter to the share or alert it came from (`read_ref`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from app.i18n import N_, gettext
from app.letters.models import Attribution, Letter, Source
from app.links import external_url
from app.tokens import InvalidToken, Purpose, sign, unsign

CHANNELS = ("facebook", "x", "whatsapp", "bluesky", "email", "copy")


LABELS = {
    "facebook": N_("Share on Facebook"),
    "x": N_("Post on X"),
    "whatsapp": N_("Send on WhatsApp"),
    "bluesky": N_("Post on Bluesky"),
    "email": N_("Send by email"),
    "copy": N_("Copy the link"),
}


REF_MAX_AGE = 30 * 86400


@dataclass(frozen=True)
class ShareLink:
    channel: str
    label: str
    href: str


def share_href(channel: str, *, url: str, text: str, title: str) -> str:
    """Where a share button for `channel` goes, carrying `url` and `text`."""
    post = f"{text} {url}".strip()
    if channel == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
    if channel == "x":
        return "https://x.com/intent/post?" + urlencode({"text": text, "url": url})
    if channel == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": post})
    if channel == "bluesky":
        return "https://bsky.app/intent/compose?" + urlencode({"text": post})
    if channel == "email":
        return f"mailto:?subject={quote(title)}&body={quote(post)}"
    if channel == "copy":
        return url
    raise ValueError(f"unknown share channel {channel!r}")


def share_buttons(letter: Letter) -> list[ShareLink]:
    """The share page's buttons: each goes through us (to count it), then to the platform."""
    return [
        ShareLink(
            c,
            gettext(LABELS[c]),
            external_url("public.share_out", code=letter.share_code, channel=c),
        )
        for c in CHANNELS
        if c != "copy"
    ]


def alert_ref(alert_id: int, variant: str | None = None) -> str:
    """The credit an alert's click carries: the alert, and in an A/B test the
    variant (shared by many recipients: it names nobody)."""
    data: dict = {"k": "alert", "a": alert_id}
    if variant:
        data["v"] = variant
    return sign(Purpose.SHARE_CREDIT, data)


def read_ref(ref: str | None) -> Attribution:
    """The credit a `ref` carries; anything forged or stale credits nobody."""
    if not ref:
        return Attribution()
    try:
        data = unsign(Purpose.SHARE_CREDIT, ref, REF_MAX_AGE)
    except InvalidToken:
        return Attribution()
    if not isinstance(data, dict):
        return Attribution()
    if data.get("k") == "share" and isinstance(data.get("m"), int):
        return Attribution(
            Source.SHARE, referred_by_id=data["m"], share_channel=str(data.get("c") or "")[:10]
        )
    if data.get("k") == "alert" and isinstance(data.get("a"), int):
        variant = data.get("v")
        return Attribution(
            Source.ALERT, alert_id=data["a"],
            alert_variant=variant if variant in ("A", "B", "C", "D") else None,
        )  # fmt: skip
    return Attribution()
