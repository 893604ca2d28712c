"""Campaigns: finding them, their suggested letter, and the demo campaign."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import partial
from typing import cast

from flask import current_app
from sqlalchemy import select

from app.accounts import audit
from app.campaigns.branding import accent_problem
from app.campaigns.models import Campaign, CampaignStatus
from app.db import write_transaction
from app.extensions import db
from app.i18n import current_language, gettext
from app.letters.own_words import measure
from app.reference.representatives import Seat
from app.text import fill_placeholders, markdown_to_html, normalise_for_comparison

INSTRUCTION = re.compile(r"\[[^\[\]\n]{3,}\]")


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


# The texts a campaign may give in Welsh too (as `<name>_cy`).
TRANSLATED = (
    "title", "summary", "intro_markdown", "subject_template", "body_template", "thank_you_markdown",
    "share_text", "group_label", "follow_up_template",
)  # fmt: skip


class CampaignInWelsh:
    """A campaign as a Welsh reader sees it: each of its TRANSLATED texts in
    Welsh where it has one, everything else the campaign's own."""

    __slots__ = ("_campaign",)

    def __init__(self, campaign: Campaign):
        object.__setattr__(self, "_campaign", campaign)

    def __getattr__(self, name: str):
        campaign = object.__getattribute__(self, "_campaign")
        if name in TRANSLATED:
            return getattr(campaign, f"{name}_cy") or getattr(campaign, name)
        return getattr(campaign, name)


def in_language(campaign: Campaign, language: str | None = None) -> Campaign:
    """The campaign in `language` (the current one by default): in Welsh, its
    Welsh texts where it has them."""
    welsh = (language or current_language()) == "cy"
    if isinstance(campaign, CampaignInWelsh):
        return campaign if welsh else object.__getattribute__(campaign, "_campaign")
    return cast(Campaign, CampaignInWelsh(campaign)) if welsh else campaign


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


def suggested_letter(
    campaign: Campaign | LetterRules, seat: Seat, name: str | None = None
) -> tuple[str, str]:
    """The campaign's subject and body with this MP's details filled in."""
    fill = partial(
        fill_placeholders, mp_name=seat.mp.name, constituency=seat.local_name, constituent_name=name
    )
    return fill(campaign.subject_template), fill(campaign.body_template)


def names_another_seat(text: str, composed_for: Seat | None, seat: Seat) -> bool:
    """Whether `text` still names the MP or the constituency of the seat the
    suggested letter was filled in for (`composed_for`), now that the
    postcode has changed to `seat`'s: "Dear Chris Murray" to Rachel Blake."""
    if composed_for is None or composed_for.gss_code == seat.gss_code:
        return False
    return any(name and name in text for name in (composed_for.mp.name, composed_for.local_name))


def readdressed(text: str, composed_for: Seat, seat: Seat) -> str:
    """`text` with the other seat's MP and constituency replaced by `seat`'s."""
    for old, new in (
        (composed_for.mp.name, seat.mp.name),
        (composed_for.local_name, seat.local_name),
    ):
        if old:
            text = text.replace(old, new)
    return text


def personal_edit_problem(
    campaign: Campaign | LetterRules, seat: Seat, name: str, body: str
) -> str | None:
    """Why a letter is not yet the constituent's own, or None if it is.

    MPs discount identical letters; the point is a personal message.
    """
    filled = normalise_for_comparison(body)
    for candidate in (name, None):
        _, template = suggested_letter(campaign, seat, candidate)
        if template.strip() and filled == normalise_for_comparison(template):
            return gettext(
                "Please change the suggested letter to say, in your own words, "
                "why this matters to you."
            )
    left = [m for m in INSTRUCTION.findall(campaign.body_template) if m in body]
    if left:
        return gettext("Please replace %(instruction)s with your own words.", instruction=left[0])
    minimum = campaign.min_own_words_percent or 0
    if minimum:
        _, template = suggested_letter(campaign, seat, name)
        own = measure(body, template, (seat.mp.name, seat.local_name, name))
        if own.percent < minimum:
            return gettext(
                "About %(share)s%% of your letter is in your own words. This campaign asks "
                "for at least %(minimum)s%%: please say more, in your own words, about why "
                "this matters to you.",
                share=own.percent, minimum=minimum,
            )  # fmt: skip
    return None


def intro_html(campaign: Campaign):
    return markdown_to_html(campaign.intro_markdown)


def thank_you_html(campaign: Campaign):
    return markdown_to_html(campaign.thank_you_markdown)


DEMO_CAMPAIGN = {
    "slug": "mp-expenses",
    "title": "Publish MPs' expenses in full",
    "summary": (
        "Ask your MP, in your own words, to back full and timely publication of MPs' expenses."
    ),
    "intro_markdown": (
        "In January 2009 the government planned to exempt MPs' expenses from the Freedom of "
        "Information Act. Within days, thousands of people wrote to their own MP, and the plan "
        "was dropped. The expenses were published, and the law changed.\n\n"
        "Transparency about public money lasts only while people keep asking for it. "
        "**Write to your MP in your own words** and ask them to support publishing every "
        "MP's claims in full, online and on time.\n\n"
        "A personal letter from a constituent counts for far more than a petition signature, "
        "so please change the suggested text to say why this matters to *you*."
    ),
    "subject_template": "Please support full publication of MPs' expenses",
    "body_template": (
        "Dear {mp_name},\n\n"
        "As your constituent in {constituency}, I am writing to ask you to support the full "
        "and timely publication of MPs' expenses claims.\n\n"
        "[Say in your own words why this matters to you]\n\n"
        "Will you publish your own claims in full, and oppose any attempt to exempt MPs' "
        "expenses from the Freedom of Information Act?\n\n"
        "Yours sincerely,\n{constituent_name}"
    ),
    "status": CampaignStatus.LIVE,
    "thank_you_markdown": (
        "Your MP will hear from you, in your own words, as one of their own "
        "constituents: that is what MPs listen to.\n\n"
        "Now please help the next person do the same. In 2009, letters reached 95% of MPs "
        "because people told their friends."
    ),
    "share_text": "I've just written to my MP asking for MPs' expenses to be published in full. "
    "It takes five minutes. Write to yours:",
    "group_url": "https://www.facebook.com/groups/mps-expenses-demo",
    "group_label": "Join the campaign group on Facebook",
    # In Welsh, for people using the site in Cymraeg.
    "title_cy": "Cyhoeddi treuliau ASau yn llawn",
    "summary_cy": (
        "Gofynnwch i'ch AS, yn eich geiriau eich hun, gefnogi cyhoeddi treuliau ASau yn llawn "
        "ac mewn pryd."
    ),
    "intro_markdown_cy": (
        "Ym mis Ionawr 2009, roedd y llywodraeth yn bwriadu eithrio treuliau ASau o'r Ddeddf "
        "Rhyddid Gwybodaeth. O fewn dyddiau, ysgrifennodd miloedd o bobl at eu AS eu hunain, a "
        "chafodd y cynllun ei ollwng. Cafodd y treuliau eu cyhoeddi, a newidiodd y gyfraith.\n\n"
        "Dim ond tra bo pobl yn dal i ofyn amdano y mae tryloywder am arian cyhoeddus yn para. "
        "**Ysgrifennwch at eich AS yn eich geiriau eich hun** a gofynnwch iddyn nhw gefnogi "
        "cyhoeddi hawliadau pob AS yn llawn, ar-lein ac mewn pryd.\n\n"
        "Mae llythyr personol gan etholwr yn cyfrif am lawer mwy na llofnod ar ddeiseb, felly "
        "newidiwch y testun a awgrymir i ddweud pam mae hyn yn bwysig i *chi*."
    ),
    "subject_template_cy": "Cefnogwch gyhoeddi treuliau ASau yn llawn",
    "body_template_cy": (
        "Annwyl {mp_name},\n\n"
        "Fel un o'ch etholwyr yn {constituency}, rwy'n ysgrifennu i ofyn i chi gefnogi cyhoeddi "
        "hawliadau treuliau ASau yn llawn ac mewn pryd.\n\n"
        "[Dywedwch yn eich geiriau eich hun pam mae hyn yn bwysig i chi]\n\n"
        "A wnewch chi gyhoeddi eich hawliadau eich hun yn llawn, a gwrthwynebu unrhyw ymgais i "
        "eithrio treuliau ASau o'r Ddeddf Rhyddid Gwybodaeth?\n\n"
        "Yn gywir,\n{constituent_name}"
    ),
    "thank_you_markdown_cy": (
        "Bydd eich AS yn clywed gennych, yn eich geiriau eich hun, fel un o'i etholwyr "
        "ei hun: dyna beth mae ASau yn gwrando arno.\n\n"
        "Nawr helpwch y person nesaf i wneud yr un peth. Yn 2009, cyrhaeddodd llythyrau 95% o "
        "ASau am fod pobl wedi dweud wrth eu ffrindiau."
    ),
    "share_text_cy": (
        "Rwyf newydd ysgrifennu at fy AS yn gofyn am gyhoeddi treuliau ASau yn llawn. Mae'n "
        "cymryd pum munud. Ysgrifennwch at eich un chi:"
    ),
    "group_label_cy": "Ymunwch â grŵp yr ymgyrch ar Facebook",
}


def seed_demo_campaign() -> Campaign:
    """Create the demo campaign if it is not there; leave it alone if it is."""
    with write_transaction() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == DEMO_CAMPAIGN["slug"]))
        if campaign is None:
            campaign = Campaign(**DEMO_CAMPAIGN)
            session.add(campaign)
    return campaign


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


# The campaign team's side: writing and running campaigns.

EDITABLE = (
    "slug", "title", "summary", "intro_markdown", "subject_template", "body_template",
    "status", "thank_you_markdown", "share_text", "group_url", "group_label", "alert_sender",
    "min_own_words_percent", "follow_up_template", "goal_letters",
    "organisation_name", "organisation_url", "accent_colour", "image_alt",
    *(f"{name}_cy" for name in TRANSLATED),
)  # fmt: skip
# Edited as text, stored as whole numbers.
NUMBERS = {"min_own_words_percent": (0, 100), "goal_letters": (0, 10_000_000)}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,58}[a-z0-9]")


class CampaignInvalid(Exception):
    """A campaign edit breaks a rule; `fields` says which and why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def all_campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())))


def campaign_problems(fields: dict, campaign_id: int | None) -> dict[str, str]:
    """What is wrong with these fields, as a save would say (for a preview too)."""
    return _check(_as_text(fields), campaign_id)


def _as_text(fields: dict) -> dict[str, str]:
    """The editable fields as the form sends them: text, trimmed."""
    return {k: str(fields.get(k) or "").strip() for k in EDITABLE}


def _check(fields: dict, campaign_id: int | None) -> dict[str, str]:
    problems = {}
    if not SLUG.fullmatch(fields.get("slug", "")):
        problems["slug"] = "Use 3-60 lower-case letters, digits and hyphens."
    else:
        clash = db.session.scalar(select(Campaign.id).where(Campaign.slug == fields["slug"]))
        if clash and clash != campaign_id:
            problems["slug"] = "Another campaign already uses this address."
    if fields.get("status") not in set(CampaignStatus):
        problems["status"] = "Choose draft, live or closed."
    for name, what in (("group_url", "group link"), ("organisation_url", "organisation's link")):
        url = fields.get(name, "")
        if url and not url.startswith(("https://", "http://")):
            problems[name] = f"The {what} must start with https://"
    accent = accent_problem(fields.get("accent_colour", ""))
    if accent:
        problems["accent_colour"] = accent
    for name, (low, high) in NUMBERS.items():
        text = fields.get(name) or "0"
        if not text.isdigit() or not low <= int(text) <= high:
            problems[name] = f"Enter a whole number from {low} to {high}."
    return problems


def save_campaign(admin, campaign_id: int | None, fields: dict) -> Campaign:
    """Create or update a campaign; the audit log records which fields changed."""
    text = _as_text(fields)
    problems = _check(text, campaign_id)
    if problems:
        raise CampaignInvalid(problems)
    values: dict[str, object] = {**text, **{name: int(text[name] or 0) for name in NUMBERS}}
    with write_transaction() as session:
        campaign = session.get(Campaign, campaign_id) if campaign_id else Campaign()
        changed = [k for k in EDITABLE if getattr(campaign, k, None) != values[k]]
        for key in EDITABLE:
            setattr(campaign, key, values[key])
        session.add(campaign)
        session.flush()
        action = "campaign.updated" if campaign_id else "campaign.created"
        audit.record(admin, action, "campaign", campaign.slug, ", ".join(changed))
    _rules_copies().clear()
    return campaign


def set_campaign_status(admin, campaign_id: int, status: str) -> Campaign:
    if status not in set(CampaignStatus):
        raise CampaignInvalid({"status": "Choose draft, live or closed."})
    with write_transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        campaign.status = status
        audit.record(admin, f"campaign.{status}", "campaign", campaign.slug)
    _rules_copies().clear()
    return campaign
