"""What sharing led to: shares, visits and group clicks recorded by a share
code, and each campaign's funnel from letters to shares to new letters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.campaigns.languages import in_language
from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.share_codes import personal_link
from app.sharing.links import CHANNELS, share_href
from app.sharing.models import ShareEvent, ShareKind
from app.sharing.variants import share_message
from app.tokens import Purpose, sign


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
    message = share_message(letter, campaign)  # the campaign's, or an A/B test's
    return share_href(
        channel, url=personal_link(letter, channel), text=message, title=campaign.title
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
