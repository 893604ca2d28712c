"""The daily digest an MP's office chose: every waiting letter of a campaign, in full."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app

from app.letters.emails import campaign_id_header
from app.links import external_url
from app.offices.digests import OFFICE_CHANGE_HOURS, change_token, letters_in, office_token
from app.outbox.mime import Email, NotYet, Unsendable, new_email, person, render_email, site_sender
from app.outbox.models import OutboxEmail
from app.parliament import dissolution


def digest(row: OutboxEmail) -> Email | None:
    """Built when it goes (and again on each retry), from the letters that may
    still go, under the rules of that moment: an empty digest is not sent."""
    if dissolution.in_force():
        # No MPs: the worker's job moves its letters to WAITING, which takes
        # them out of it; a later try finds it empty.
        raise NotYet("Parliament is dissolved")
    letters = letters_in(row)
    if not letters:
        return None
    first = letters[0]
    mp, campaign = first.mp, first.campaign
    if mp.email is None:
        raise Unsendable("the MP has no usable email address")
    if mp.address_bounced:
        raise NotYet("the MP's address bounced; waiting for a new one")
    replies = {
        letter.id: f"mailto:{quote(letter.sender_email)}?subject={quote('Re: ' + letter.subject)}"
        for letter in letters
    }
    text = render_email(
        "digest/body.txt",
        mp=mp,
        campaign=campaign,
        letters=letters,
        replies=replies,
        switch_url=external_url("public.office", token=office_token(mp.id, campaign.id, first.id)),
        site_name=current_app.config["SITE_NAME"],
    )
    count = len(letters)
    subject = f"{campaign.title}: {count} letter{'s' if count != 1 else ''} from constituents"
    return new_email(row, to=person(mp.name, mp.email), subject=subject, text=text,
                     sender=site_sender(), automatic=False,
                     extra_headers={"X-Campaign-Id": campaign_id_header(campaign)})  # fmt: skip


def office_link(row: OutboxEmail) -> Email | None:
    """To the office's own address, on its asking from a letter's link: the
    link that changes how this campaign's letters arrive."""
    letter = row.letter
    address = letter.mp.email if letter is not None else None
    if letter is None or address is None:
        return None
    mp, campaign = letter.mp, letter.campaign
    text = render_email(
        "office_link/body.txt",
        mp=mp,
        campaign=campaign,
        link=external_url("public.office_change", token=change_token(mp.id, campaign.id)),
        hours=OFFICE_CHANGE_HOURS,
        site_name=current_app.config["SITE_NAME"],
    )
    subject = f"{campaign.title}: how your office receives constituents' letters"
    return new_email(row, to=person(mp.name, address), subject=subject, text=text,
                     sender=site_sender())  # fmt: skip
