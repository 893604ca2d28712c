"""What an MP's office sees on every letter: a campaign header to filter on,
and a footer saying what was verified and how much is the writer's own."""

from __future__ import annotations

import re

from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter, demo_campaign
from tests.builders.outbox import deliver, fresh


def test_a_letter_carries_the_campaign_header_and_the_verified_footer(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, SITE_URL="https://mp.example.org", **NO_MODERATION)
    with app.app_context():
        letter = confirmed_letter()
        deliver()
        [mail] = mail_server.to(MP_ADDRESS)
        confirmed_on = fresh(letter).confirmed_at.strftime("%-d %B %Y")
    assert mail["X-Campaign-Id"] == "mp-expenses@mp.example.org"
    footer = mail.text.split("\n--\n", 1)[1]
    assert f"Email address confirmed on {confirmed_on}." in footer
    assert "Postcode TE1 1AA is in Testington North on the current boundaries." in footer
    share = int(re.search(r"About (\d+)% of this letter is in their own words", footer)[1])
    assert share == 100  # PERSONAL_BODY shares no four-word run with the template
    assert "Publish MPs' expenses in full" in footer  # the campaign's name


def test_the_share_counts_what_was_taken_from_the_template(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        template = demo_campaign().body_template
        filled = (template.replace("{mp_name}", "Alice Able")
                  .replace("{constituency}", "Testington North")
                  .replace("{constituent_name}", "Jane Smith"))  # fmt: skip
        own = "I run a small bakery on the high street and every penny of my tax matters to me"
        body = re.sub(r"\[[^\]]*own words[^\]]*\]", own, filled)
        assert body != filled
        confirmed_letter(body=body)
        deliver()
        [mail] = mail_server.to(MP_ADDRESS)
    share = int(re.search(r"About (\d+)% of this letter", mail.text)[1])
    expected = round(100 * len(own.split()) / len(body.split()))
    assert 0 < share < 100
    assert abs(share - expected) <= 8, (share, expected)


def test_the_writers_copy_is_what_the_mp_received_with_their_own_share_link(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        letter = confirmed_letter()
        deliver()  # the letter to the MP
        deliver()  # the copy
        [to_mp] = mail_server.to(MP_ADDRESS)
        [copy] = [m for m in mail_server.to("jane@example.com") if m["Subject"].startswith("Sent")]
        share = f"http://localhost/s/{letter.share_code}"
    received = to_mp.text.split("Your office can receive")[0]  # all but the office's line
    assert received.split("\n")[0] == "Jane Smith"  # the address block
    assert received in copy.text  # all of it: address, letter, verified footer
    assert "Verified constituent" in copy.text
    assert "/office/" not in copy.text  # the office's own link stays with the office
    assert share in copy.text  # friends they bring are credited to them


def test_the_share_is_measured_once_on_confirming_and_kept(make_app, mail_server):
    """The figure the MP's footer and the writer's copy give is the one measured
    when the letter was confirmed, whatever the campaign's template says later."""
    from app.campaigns.editing import EDITABLE, save_campaign
    from tests.builders.letters import PERSONAL_BODY

    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        letter = confirmed_letter()
        assert fresh(letter).own_percent == 100
        campaign = demo_campaign()
        fields = {key: getattr(campaign, key) for key in EDITABLE}
        save_campaign(None, campaign.id, {**fields, "body_template": PERSONAL_BODY})
        deliver()
        [mail] = mail_server.to(MP_ADDRESS)
    assert "About 100% of this letter is in their own words" in mail.text
