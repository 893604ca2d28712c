"""The campaign team's side: writing campaigns, and opening and closing them."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import audit
from app.campaigns.branding import accent_problem
from app.campaigns.finding import forget_rules
from app.campaigns.languages import set_text, text_keys
from app.campaigns.models import Campaign, CampaignStatus
from app.db import write_transaction
from app.extensions import db

EDITABLE = (
    "slug", "title", "summary", "intro_markdown", "subject_template", "body_template",
    "status", "thank_you_markdown", "share_text", "group_url", "group_label", "alert_sender",
    "min_own_words_percent", "follow_up_template", "goal_letters",
    "organisation_name", "organisation_url", "accent_colour", "image_alt",
)  # fmt: skip
# And its texts in each other language, as text_keys() names them ("title_cy").
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
    """The editable fields as the form sends them: text, trimmed. A text in
    another language that is not sent is left as it is."""
    keys = [*EDITABLE, *(key for key, _, _ in text_keys() if key in fields)]
    return {k: str(fields.get(k) or "").strip() for k in keys}


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
        for key, language, name in text_keys():
            if key in values and set_text(campaign, language, name, text[key]):
                changed.append(key)
        session.add(campaign)
        session.flush()
        action = "campaign.updated" if campaign_id else "campaign.created"
        audit.record(admin, action, "campaign", campaign.slug, ", ".join(changed))
    forget_rules()
    return campaign


def set_campaign_status(admin, campaign_id: int, status: str) -> Campaign:
    if status not in set(CampaignStatus):
        raise CampaignInvalid({"status": "Choose draft, live or closed."})
    with write_transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        campaign.status = status
        audit.record(admin, f"campaign.{status}", "campaign", campaign.slug)
    forget_rules()
    return campaign
