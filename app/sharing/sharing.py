"""The sharing loop: share buttons, personal share links, and who brought whom in.

Every letter gets an unguessable share code. Its share buttons go through
/share/<code>/<channel> (a share is counted, then the platform opens); the
link people receive is /s/<code>/<channel> (a visit is counted, then the
campaign page opens with a signed `ref`); a letter written after that visit
is credited to the sharer and the channel. The same `ref` carries credit for
a click in an alert. A ref only credits: it names no one, so a forwarded link
lets nobody act as anyone.

No third-party script ever loads on our pages: share buttons are plain links.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy import func, select

from app.campaigns.languages import in_language
from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.i18n import N_, gettext
from app.letters.models import Attribution, Letter, LetterStatus, Source
from app.links import external_url
from app.sharing.models import ShareEvent, ShareKind
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


def new_share_code() -> str:
    return secrets.token_urlsafe(9)


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


def personal_link(letter: Letter, channel: str) -> str:
    """The link this letter's writer shares on `channel`."""
    return external_url("public.shared", code=letter.share_code, channel=channel)


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


def _by_code(code: str) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.share_code == code))


def _record(letter: Letter, kind: str, channel: str) -> None:
    with write_transaction() as session:
        session.add(
            ShareEvent(
                campaign_id=letter.campaign_id, letter_id=letter.id, kind=kind, channel=channel
            )
        )


def record_share(code: str, channel: str) -> str | None:
    """A share button was pressed: count it; where the platform's share page is."""
    letter = _by_code(code)
    if letter is None or channel not in CHANNELS:
        return None
    _record(letter, ShareKind.SHARE, channel)
    campaign = in_language(letter.campaign)  # the writer's, sharing from the page in it
    return share_href(
        channel, url=personal_link(letter, channel), text=campaign.share_text, title=campaign.title
    )


def record_visit(code: str, channel: str, *, count: bool = True) -> tuple[Campaign, str] | None:
    """Someone arrived through a share link: count it (unless told not to: a
    visitor already counted); the campaign and a credit ref."""
    letter = _by_code(code)
    if letter is None:
        return None
    channel = channel if channel in CHANNELS else ""
    if count:
        _record(letter, ShareKind.VISIT, channel)
    return letter.campaign, sign(Purpose.SHARE_CREDIT, {"k": "share", "m": letter.id, "c": channel})


def record_group_click(code: str) -> str | None:
    letter = _by_code(code)
    if letter is None or not letter.campaign.group_url:
        return None
    _record(letter, ShareKind.GROUP, "")
    return letter.campaign.group_url


def alert_ref(alert_id: int) -> str:
    return sign(Purpose.SHARE_CREDIT, {"k": "alert", "a": alert_id})


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
        return Attribution(Source.ALERT, alert_id=data["a"])
    return Attribution()


@dataclass(frozen=True)
class Funnel:
    shares: dict[str, int]
    visits: dict[str, int]
    referred: dict[str | None, int]  # letters written through a share link, by channel
    sent: int  # letters delivered in the campaign

    @property
    def k_factor(self) -> float:
        """Letters caused per letter delivered: above 1, the campaign spreads by itself."""
        return sum(self.referred.values()) / self.sent if self.sent else 0.0


def funnel(campaign_id: int | None = None) -> Funnel:
    def events(kind: str) -> dict[str, int]:
        query = (
            select(ShareEvent.channel, func.count())
            .where(ShareEvent.kind == kind)
            .group_by(ShareEvent.channel)
        )
        if campaign_id:
            query = query.where(ShareEvent.campaign_id == campaign_id)
        return dict(db.session.execute(query).all())

    referred = select(Letter.share_channel, func.count()).where(Letter.referred_by_id.is_not(None))
    sent = select(func.count()).select_from(Letter).where(Letter.status == LetterStatus.SENT)
    if campaign_id:
        referred = referred.where(Letter.campaign_id == campaign_id)
        sent = sent.where(Letter.campaign_id == campaign_id)
    return Funnel(
        shares=events(ShareKind.SHARE),
        visits=events(ShareKind.VISIT),
        referred=dict(db.session.execute(referred.group_by(Letter.share_channel)).all()),
        sent=db.session.execute(sent).scalar_one(),
    )


def group_clicks(campaign_id: int | None = None) -> int:
    query = select(func.count()).select_from(ShareEvent).where(ShareEvent.kind == ShareKind.GROUP)
    if campaign_id:
        query = query.where(ShareEvent.campaign_id == campaign_id)
    return db.session.execute(query).scalar_one()
