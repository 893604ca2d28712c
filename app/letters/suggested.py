"""A campaign's suggested letter: filled in for a seat, and whether a
writer has made it their own."""

from __future__ import annotations

import re
from functools import partial

from app.campaigns.finding import LetterRules
from app.campaigns.models import Campaign
from app.i18n import gettext
from app.letters.own_words import measure
from app.reference.representatives import Seat
from app.text import fill_placeholders, normalise_for_comparison

# "[Say why this matters to you]": a campaign's instruction, to be replaced.
INSTRUCTION = re.compile(r"\[[^\[\]\n]{3,}\]")


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
