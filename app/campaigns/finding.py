"""Campaigns as the public meets them: finding one, and the rules its letters follow."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.campaigns.languages import in_language
from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from app.i18n import current_language
from app.text import markdown_to_html


class CampaignNotFound(Exception):
    """No campaign with that slug is visible to the public."""


class CampaignNotOpen(Exception):
    """The campaign exists but is not taking messages (draft or closed)."""


def get_public_campaign(slug: str) -> Campaign:
    """A live or closed campaign, in the reader's language; drafts are visible
    only in the dashboard."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or campaign.status == CampaignStatus.DRAFT:
        raise CampaignNotFound(slug)
    return in_language(campaign)


@dataclass(frozen=True)
class LetterRules:
    """What taking a letter needs of its campaign (its id, and the suggested
    letter a personal one must differ from): a Campaign in miniature."""

    id: int
    slug: str
    subject_template: str
    body_template: str
    min_own_words_percent: int = 0


def open_campaign_rules(slug: str) -> LetterRules:
    """A live campaign's rules for letters, from this process's copy when it is
    under REFERENCE_REFRESH_SECONDS old (the submit endpoint read the campaign
    on every letter). Only live campaigns are copied, so one opened is seen at
    once; one closed meanwhile is refused by the letter's own INSERT
    (app/letters/storage.py); an edited template is seen within the
    refresh interval, at once in the process that saved it."""
    copies = _rules_copies()
    key = f"{slug}:{current_language()}"  # the suggested letter is in the reader's language
    kept = copies.get(key)
    if kept and time.monotonic() < kept[1]:
        return kept[0]
    campaign = get_open_campaign(slug)  # in the reader's language
    rules = LetterRules(campaign.id, slug, campaign.subject_template, campaign.body_template,
                        campaign.min_own_words_percent or 0)  # fmt: skip
    copies[key] = (rules, time.monotonic() + current_app.config["REFERENCE_REFRESH_SECONDS"])
    return rules


def _rules_copies() -> dict[str, tuple[LetterRules, float]]:
    return current_app.extensions.setdefault("campaign_letter_rules", {})


def forget_rules() -> None:
    """Drop this process's copies: a campaign was just saved."""
    _rules_copies().clear()


def list_public_campaigns() -> list[Campaign]:
    """Live campaigns first, then closed ones, newest first."""
    rows = db.session.scalars(
        select(Campaign)
        .where(Campaign.status != CampaignStatus.DRAFT)
        .order_by(Campaign.created_at.desc())
    ).all()
    return sorted(rows, key=lambda c: not c.is_live)


def get_open_campaign(slug: str) -> Campaign:
    campaign = get_public_campaign(slug)
    if not campaign.is_live:
        raise CampaignNotOpen(slug)
    return campaign


def intro_html(campaign: Campaign):
    return markdown_to_html(campaign.intro_markdown)


def thank_you_html(campaign: Campaign):
    return markdown_to_html(campaign.thank_you_markdown)


def public_fields(campaign: Campaign) -> dict:
    """What the JSON API and the widget may show of a campaign."""
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "summary": campaign.summary,
        "intro_html": str(intro_html(campaign)),
        "status": campaign.status,
        "subject_template": campaign.subject_template,
        "body_template": campaign.body_template,
        "min_own_words_percent": campaign.min_own_words_percent or 0,
        "thank_you_html": str(thank_you_html(campaign)),
        "share_text": campaign.share_text,
        "group_url": campaign.group_url,
        "group_label": campaign.group_label,
    }
