"""What the people in the deployed suite do, step by step, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import CampaignPage, ConfirmPage, SharePage

MP_ADDRESS = "alice.able.mp@parliament.uk"  # TE1 1AA's MP in the tests' fictional data
MIN_FILL_SECONDS = 4  # the production default: a faster form is taken for a robot


def wait_out_fill_time(page: Page, started_ms: float) -> None:
    """A person takes longer than MIN_FILL_SECONDS to write; wait out what remains."""
    spent = page.evaluate("Date.now()") - started_ms
    page.wait_for_timeout(max(0, MIN_FILL_SECONDS * 1000 + 300 - spent))


def write_a_letter(page: Page, site, *, email: str, own_words: str, postcode: str = "TE1 1AA",
                   mp: str = "Alice Able") -> None:  # fmt: skip
    """From the campaign page to "Check your email"."""
    compose = CampaignPage(page, site.url).open().find_mp(postcode).expect_mp(mp)
    started = page.evaluate("Date.now()")
    compose.fill_details(name="Pat Example", email=email, address1="1 Test Row", town="Testington")
    compose.make_it_personal(own_words)
    preview = compose.preview()
    wait_out_fill_time(page, started)
    preview.send()


def confirm_the_letter(page: Page, site, email: str) -> SharePage:
    """The emailed link's page and its "Send my letter" button."""
    [confirmation] = site.emails(email, "/confirm/")
    return ConfirmPage(page, site.link(confirmation, "/confirm/")).send()


def letter_status(site, email: str) -> str:
    [(status,)] = site.query("SELECT status FROM message WHERE sender_email = :e", e=email)
    return status


def sign_up_for_alerts(page: Page, site, email: str, postcode: str = "TE1 1AA") -> None:
    """The /alerts form, then the emailed confirmation's button."""
    page.goto(f"{site.url}/alerts")
    page.get_by_label("Your email address").fill(email)
    postcode_box = page.get_by_label(re.compile("postcode", re.I))
    if postcode_box.count():
        postcode_box.first.fill(postcode)
    page.get_by_role("button", name="Sign me up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    [message] = site.emails(email, "/alerts/confirm/")
    page.goto(site.link(message, "/alerts/confirm/"))
    page.get_by_role("button", name="Yes, send me alerts").click()
    expect(page.get_by_role("heading", name="You're signed up")).to_be_visible()
