"""The emails of a letter to its writer: the confirmation and its reminder,
the copy of what the MP received, and the news that it failed or was not
sent. The letter itself goes to the MP's office from app/offices/emails.py;
`letter_text` is what the office reads."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from app.campaigns.languages import in_language
from app.i18n import gettext, site_name
from app.letters.models import Letter, LetterStatus
from app.letters.moderation import own_words
from app.letters.share_codes import personal_link
from app.letters.submission import confirmation_token
from app.links import external_url
from app.outbox.mime import (
    Email,
    new_email,
    person,
    render_email,
)
from app.outbox.models import OutboxEmail


def letter_of(row: OutboxEmail) -> Letter:
    """The row's letter: every email of a letter is queued with one."""
    letter = row.letter
    assert letter is not None, f"outbox row {row.id} has no letter"
    return letter


def _context(row: OutboxEmail) -> dict:
    letter = letter_of(row)
    return {
        "letter": letter,
        "campaign": in_language(letter.campaign, letter.language),
        "mp": letter.mp,
        "constituency": letter.constituency,
        "site_name": site_name(),
        "site_url": current_app.config["SITE_URL"],
        "campaign_url": external_url("public.campaign", slug=letter.campaign.slug),
        "link_days": current_app.config["CONFIRM_LINK_DAYS"],
    }


def letter_text(
    *, letter, campaign, constituency, own_share: int | None = None, digest_url: str | None = None
) -> str:
    """The text an MP receives (also used for the campaign editor's preview),
    with the footer an office checks: when the address was confirmed, where
    the postcode is, and `own_share`, the percentage of the letter in the
    writer's own words."""
    return render_email(
        "mp_letter/body.txt",
        letter=letter,
        campaign=campaign,
        constituency=constituency,
        own_share=own_share,
        digest_url=digest_url,
        site_name=site_name(),
        site_url=current_app.config["SITE_URL"],
    )


def campaign_id_header(campaign) -> str:
    """X-Campaign-Id: the campaign's slug at the site's host, for an office's mail filters."""
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"{campaign.slug}@{host}"


def writer_email(row: OutboxEmail, subject: str, template: str, **extra) -> Email:
    letter = letter_of(row)
    text = render_email(template, **_context(row), **extra)
    return new_email(
        row, to=person(letter.sender_name, letter.sender_email), subject=subject, text=text
    )


def confirmation(row: OutboxEmail, *, reminder: bool = False) -> Email | None:
    letter = letter_of(row)
    if letter.status != LetterStatus.PENDING:
        return None  # already confirmed or expired: nothing to ask any more
    link = external_url("public.confirm", token=confirmation_token(letter))
    subject = (
        gettext("Reminder: your letter to %(mp)s is waiting for you", mp=letter.addressed_to())
        if reminder
        else gettext("Confirm your letter to %(mp)s", mp=letter.addressed_to())
    )
    return writer_email(row, subject, "confirmation/body.txt", link=link, reminder=reminder)


def constituent_copy(row: OutboxEmail) -> Email:
    """What the MP received, exactly (address block and footer, without the
    office's own link), and the writer's personal link to share, so the
    friends it brings are credited to them. For a letter by post: the letter
    laid out to print, with the MP's postal address."""
    letter = letter_of(row)
    if letter.by_post:
        subject = gettext("Your letter to %(mp)s, to print and post", mp=letter.addressed_to())
        return writer_email(
            row, subject, "posted/body.txt",
            postal_address=current_app.config["MP_POSTAL_ADDRESS"], share_url=_share_url(letter),
        )  # fmt: skip
    received = letter.body  # what they wrote, to each of its other recipients
    if letter.to_mp:
        received = letter_text(letter=letter, campaign=letter.campaign,
                               constituency=letter.constituency,
                               own_share=own_share(letter))  # fmt: skip
    subject = gettext("Sent: your letter to %(mp)s", mp=letter.addressed_to())
    return writer_email(
        row, subject, "constituent_copy/body.txt", received=received, share_url=_share_url(letter)
    )


def _share_url(letter: Letter) -> str | None:
    """The writer's own link to share by email; None once purged (the campaign's link then)."""
    return personal_link(letter, "email") if letter.share_code else None


def own_share(letter: Letter) -> int | None:
    """The percentage of the letter in the writer's own words, as its footer
    says: measured when it was confirmed (again for a letter from before that)."""
    if letter.own_percent is not None:
        return letter.own_percent
    own = own_words(letter)
    return own.percent if own.total_words else None


def delivery_failed(row: OutboxEmail) -> Email:
    return writer_email(
        row,
        gettext("We could not deliver your letter to %(mp)s", mp=letter_of(row).mp.name),
        "delivery_failed/body.txt",
    )


def rejected(row: OutboxEmail) -> Email:
    return writer_email(
        row,
        gettext("Your letter to %(mp)s was not sent", mp=letter_of(row).addressed_to()),
        "rejected/body.txt",
    )


def already_written(row: OutboxEmail) -> Email:
    """Someone wrote again from this address: where the first letter stands."""
    letter = letter_of(row)
    subject = gettext("You have already written to %(mp)s", mp=letter.addressed_to())
    return writer_email(row, subject, "already_written/body.txt", share_url=_share_url(letter))


def reminder(row: OutboxEmail) -> Email | None:
    return confirmation(row, reminder=True)
