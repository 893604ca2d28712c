"""A campaign in its reader's language: its texts from campaign_text, each
falling back to the English where the row, or the text, is empty."""

from __future__ import annotations

from typing import cast

from app.campaigns.models import TRANSLATED, Campaign, CampaignText
from app.i18n import SOURCE, current_language, translated


class CampaignInLanguage:
    """A campaign as a reader of `language` sees it: each of its TRANSLATED
    texts in that language where it has one, everything else its own."""

    __slots__ = ("_campaign", "_texts")

    def __init__(self, campaign: Campaign, texts: CampaignText):
        object.__setattr__(self, "_campaign", campaign)
        object.__setattr__(self, "_texts", texts)

    def __getattr__(self, name: str):
        campaign = object.__getattribute__(self, "_campaign")
        if name in TRANSLATED:
            return getattr(object.__getattribute__(self, "_texts"), name) or getattr(campaign, name)
        return getattr(campaign, name)


def in_language(campaign: Campaign, language: str | None = None) -> Campaign:
    """The campaign in `language` (the current one by default)."""
    campaign = original(campaign)
    language = language or current_language()
    texts = campaign.texts.get(language) if language != SOURCE else None
    return cast(Campaign, CampaignInLanguage(campaign, texts)) if texts else campaign


def original(campaign: Campaign) -> Campaign:
    """The campaign itself, whichever language it was seen in."""
    if isinstance(campaign, CampaignInLanguage):
        return object.__getattribute__(campaign, "_campaign")
    return campaign


def text_keys() -> list[tuple[str, str, str]]:
    """(form key, language, text) for each text a campaign may give in each
    offered language but English: ("title_cy", "cy", "title")."""
    return [
        (f"{name}_{lang.code}", lang.code, name) for lang in translated() for name in TRANSLATED
    ]


def set_text(campaign: Campaign, language: str, name: str, value: str) -> bool:
    """Set one of the campaign's texts in `language`; whether it changed."""
    texts = campaign.texts.get(language)
    if texts is None:
        if not value:
            return False  # no row for nothing
        texts = campaign.texts[language] = CampaignText(language=language)
    changed = (getattr(texts, name) or "") != value
    setattr(texts, name, value)
    return changed
