"""The emails to MPs' offices: each letter as it is confirmed, or the daily
digest an office chose (every waiting letter of a campaign, in full)."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app

from app.letters.emails import campaign_id_header, letter_of, letter_text, own_share
from app.letters.models import LetterStatus
from app.links import external_url
from app.offices.digests import (
    OFFICE_CHANGE_HOURS,
    change_token,
    letters_in,
    office_token,
    offices_on_digest,
)
from app.outbox.mime import Email, NotYet, Unsendable, new_email, person, render_email, site_sender
from app.outbox.models import OutboxEmail
from app.parliament import dissolution


def mp_letter(row: OutboxEmail) -> Email | None:
    """A letter to its MP's office, From the site and Reply-To the writer,
    unless the office chose its daily digest."""
    letter = letter_of(row)
    if letter.status != LetterStatus.QUEUED:
        return None  # cancelled, held or already sent by another route
    mp = letter.mp
    if mp.email is None:
        raise Unsendable("the MP has no usable email address")
    if (letter.mp_id, letter.campaign_id) in offices_on_digest():
        return None  # the office chose its daily digest: send_digests gathers it
    if dissolution.holds_letters():
        # No MPs until the election: the worker's job moves the letter to
        # WAITING, for its writer to send to the new MP.
        raise NotYet("Parliament is dissolved")
    if mp.address_bounced:
        # Another letter to this address bounced: this one waits for a new
        # address (an admin's override or a data load) instead of bouncing too.
        raise NotYet("the MP's address bounced; waiting for a new one")
    via = current_app.config["SITE_NAME"]  # to an MP's office: in English
    text = letter_text(
        letter=letter,
        campaign=letter.campaign,
        constituency=letter.constituency,
        own_share=own_share(letter),  # moderation's shingles against the template
        digest_url=external_url(
            "public.office", token=office_token(letter.mp_id, letter.campaign_id, letter.id)
        ),
    )
    return new_email(
        row,
        to=person(mp.name, mp.email),
        subject=letter.subject,
        text=text,
        sender=site_sender(f"{letter.sender_name} via {via}"),
        reply_to=person(letter.sender_name, letter.sender_email),
        automatic=False,
        extra_headers={"X-Campaign-Id": campaign_id_header(letter.campaign)},
    )


def digest(row: OutboxEmail) -> Email | None:
    """Built when it goes (and again on each retry), from the letters that may
    still go, under the rules of that moment: an empty digest is not sent."""
    if dissolution.holds_letters():
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
