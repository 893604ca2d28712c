"""Previews for the campaign editor: the page, and the email an MP would receive."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from markupsafe import Markup

from app.campaigns.branding import accent_problem
from app.letters.emails import letter_text
from app.reference.postcodes import LookupUnavailable
from app.reference.representatives import MPCard, Seat, reference_cache
from app.text import fill_placeholders, markdown_to_html

SAMPLE_NAME = "Sam Sample"
EXAMPLE_SEAT = Seat(
    0, "E14000000", "Exampleton", "England", MPCard(0, "Alex Example", "", None, True, False)
)


@dataclass(frozen=True)
class CampaignPreview:
    intro_html: Markup
    thank_you_html: Markup
    subject: str
    body: str
    seat: Seat
    mp_email: str
    accent: str = ""  # the campaign's colour, when it is one the site takes


def sample_seat() -> Seat:
    """A real seat whose MP can be emailed, so the preview reads like the real thing."""
    try:
        seats = reference_cache().get().by_gss.values()
    except LookupUnavailable:  # no reference data loaded: an example will do
        return EXAMPLE_SEAT
    return next((s for s in sorted(seats, key=lambda s: s.name) if s.can_email), EXAMPLE_SEAT)


def campaign_preview(fields: dict) -> CampaignPreview:
    seat = sample_seat()
    fill = {"mp_name": seat.mp.name, "constituency": seat.name, "constituent_name": SAMPLE_NAME}
    subject = fill_placeholders(fields.get("subject_template", ""), **fill)
    body = fill_placeholders(fields.get("body_template", ""), **fill)
    letter = SimpleNamespace(
        sender_name=SAMPLE_NAME, address1="1 Example Street", address2="", town=seat.name,
        postcode="EX1 1PL", body=body, constituency_chosen=False,
    )  # fmt: skip
    email = letter_text(
        letter=letter,
        campaign=SimpleNamespace(title=fields.get("title", "")),
        constituency=SimpleNamespace(name=seat.name),
    )
    return CampaignPreview(
        intro_html=markdown_to_html(fields.get("intro_markdown", "")),
        thank_you_html=markdown_to_html(fields.get("thank_you_markdown", "")),
        subject=subject,
        body=body,
        seat=seat,
        mp_email=email,
        accent=accent
        if (accent := fields.get("accent_colour", "")) and not accent_problem(accent)
        else "",
    )
