"""The emails to MPs' offices: each letter as it is confirmed, or the daily
digest an office chose (every waiting letter of a campaign, in full)."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app

from app.letters.emails import campaign_id_header, letter_of, letter_text, own_share
from app.letters.models import STOPPED, LetterStatus, RecipientStatus
from app.letters.recipients import addressed, recipient_of
from app.links import external_url
from app.offices import targets
from app.offices.digests import (
    OFFICE_CHANGE_HOURS,
    change_token,
    digest_on,
    in_a_pending_digest,
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
    if in_a_pending_digest(letter.digest_outbox_id):
        return None  # gathered into its office's digest, which carries it
    if (letter.mp_id, letter.campaign_id) in offices_on_digest() and digest_on(
        letter.mp_id, letter.campaign_id
    ):
        # The office chose its daily digest: send_digests gathers it. (Asked
        # afresh before holding a letter back: a switch back during this
        # claim must not leave it with nothing to send it.)
        return None
    if dissolution.holds_letters():
        # No MPs until the election: the worker's job moves the letter to
        # WAITING, for its writer to send to the new MP.
        raise NotYet("Parliament is dissolved")
    if mp.address_bounced:
        # Another letter to this address bounced: this one waits for a new
        # address (an admin's override or a data load) instead of bouncing too.
        raise NotYet("the MP's address bounced; waiting for a new one")
    text = letter_text(
        letter=letter,
        campaign=letter.campaign,
        constituency=letter.constituency,
        own_share=own_share(letter),  # moderation's shingles against the template
        digest_url=external_url(
            "public.office", token=office_token(letter.mp_id, letter.campaign_id, letter.id)
        ),
    )
    return _from_the_writer(row, letter, person(mp.name, mp.email), letter.subject, text)


def to_target(row: OutboxEmail) -> Email | None:
    """A letter to one of its other recipients' offices (app/targets/),
    addressed to them, with the footer that says who wrote it and through
    which campaign; unless the office chose its daily digest."""
    recipient, letter = recipient_of(row), letter_of(row)
    if recipient.status != RecipientStatus.QUEUED or letter.status in STOPPED:
        return None
    if in_a_pending_digest(recipient.digest_outbox_id):
        return None  # gathered into its office's digest, which carries it
    if not recipient.email:
        raise Unsendable("the recipient has no email address")
    on_digest = (recipient.target_id, letter.campaign_id) in targets.targets_on_digest()
    if on_digest and targets.digest_on(recipient.target_id, letter.campaign_id):
        return None  # the office chose its daily digest (asked afresh, as for an MP's)
    via = current_app.config["SITE_NAME"]  # to an office: in English
    link = targets.office_token(recipient.target_id, letter.campaign_id, recipient.id)
    text = render_email(
        "to_recipient/body.txt",
        letter=letter, recipient=recipient,
        body=addressed(letter.body, recipient.name, recipient.opening),
        campaign=letter.campaign, constituency=letter.constituency, own_share=own_share(letter),
        site_name=via, site_url=current_app.config["SITE_URL"],
        digest_url=external_url("public.target_office", token=link),
    )  # fmt: skip
    to = person(recipient.name, recipient.email)
    return _from_the_writer(row, letter, to, recipient.subject or letter.subject, text)


def _from_the_writer(row: OutboxEmail, letter, to, subject: str, text: str) -> Email:
    """A letter to an office: From the site in the writer's name ("Jane Smith
    via ..."), Reply-To the writer, and the campaign for the office's filters."""
    via = current_app.config["SITE_NAME"]  # to an office: in English
    return new_email(
        row, to=to, subject=subject, text=text,
        sender=site_sender(f"{letter.sender_name} via {via}"),
        reply_to=person(letter.sender_name, letter.sender_email),
        automatic=False,
        extra_headers={"X-Campaign-Id": campaign_id_header(letter.campaign)},
    )  # fmt: skip


def target_digest(row: OutboxEmail) -> Email | None:
    """A target's office's daily digest, built when it goes (and again on each
    retry) from the recipients that may still go: an empty one is not sent."""
    carried = targets.recipients_in(row)
    if not carried:
        return None
    first = carried[0]
    campaign = first.letter.campaign
    office = targets.current_target(first.target_id)  # its newest version: its address now
    address = office.email if office is not None and office.email else first.email
    if not address:
        raise Unsendable("the recipient has no email address")
    letters = [
        (recipient.letter, addressed(recipient.letter.body, recipient.name, recipient.opening),
         recipient.subject or recipient.letter.subject)
        for recipient in carried
    ]  # fmt: skip
    switch = targets.office_token(first.target_id, campaign.id, first.id)
    return _digest_email(
        row, person(first.name, address), campaign, "target_digest/body.txt", "to you",
        [(letter, subject) for letter, _, subject in letters],
        recipient=first, letters=letters,
        switch_url=external_url("public.target_office", token=switch),
    )  # fmt: skip


def target_office_link(row: OutboxEmail) -> Email | None:
    """To a target's own address, on its asking from a letter's link: the
    link that changes how this campaign's letters arrive."""
    recipient, letter = row.recipient, row.letter
    if recipient is None or letter is None or not recipient.email:
        return None
    campaign = letter.campaign
    text = render_email(
        "target_office_link/body.txt",
        recipient=recipient, campaign=campaign,
        link=external_url("public.target_office_change",
                          token=targets.change_token(recipient.target_id, campaign.id)),
        hours=OFFICE_CHANGE_HOURS, site_name=current_app.config["SITE_NAME"],
    )  # fmt: skip
    subject = f"{campaign.title}: how your office receives letters"
    return new_email(row, to=person(recipient.name, recipient.email), subject=subject,
                     text=text, sender=site_sender())  # fmt: skip


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
    return _digest_email(
        row, person(mp.name, mp.email), campaign, "digest/body.txt", "from constituents",
        [(letter, letter.subject) for letter in letters],
        mp=mp, letters=letters,
        switch_url=external_url("public.office", token=office_token(mp.id, campaign.id, first.id)),
    )  # fmt: skip


def _digest_email(row, to, campaign, template: str, whose: str, subjects, **context) -> Email:
    """A day's letters in one email to an office, each with a link that
    replies to its writer; `subjects` is each letter and the subject it had."""
    replies = {
        letter.id: f"mailto:{quote(letter.sender_email)}?subject={quote('Re: ' + subject)}"
        for letter, subject in subjects
    }
    text = render_email(template, campaign=campaign, replies=replies,
                        site_name=current_app.config["SITE_NAME"], **context)  # fmt: skip
    count = len(subjects)
    subject = f"{campaign.title}: {count} letter{'s' if count != 1 else ''} {whose}"
    return new_email(row, to=to, subject=subject, text=text, sender=site_sender(), automatic=False,
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
