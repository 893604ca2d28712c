"""The whole journey in a real browser, as a constituent does it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.letters.models import LetterStatus
from tests.browser.pages import CampaignPage, ConfirmPage

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
MP_ADDRESS = "alice.able.mp@parliament.uk"


def confirmation_link(mail_server, address: str) -> str:
    [email] = mail_server.wait_for(1, timeout=15, to=address)
    return re.search(r"http://\S+/confirm/\S+", email.text).group(0)


def test_a_constituent_writes_confirms_and_their_mp_receives_one_letter(site, page, mail_server):
    compose = CampaignPage(page, site.url).open().find_mp("te1 1aa")
    compose.expect_mp("Alice Able")
    compose.fill_details(
        name="Jane Smith", email="jane@example.com", address1="1 High Street", town="Testington"
    )
    compose.make_it_personal("My mother's care home closed last year; every pound matters.")
    preview = compose.preview()
    expect(page.locator(".letter__body")).to_contain_text("My mother's care home closed")
    expect(page.locator(".letter__body")).to_contain_text("Yours sincerely,\nJane Smith")
    preview.send()

    share = ConfirmPage(page, confirmation_link(mail_server, "jane@example.com")).send()
    expect(page.get_by_role("link", name="Join the campaign group on Facebook")).to_be_visible()
    assert any(re.search(r"/share/[^/]+/whatsapp$", href) for href in share.share_links())

    [letter] = mail_server.wait_for(1, timeout=15, to=MP_ADDRESS)
    assert letter["Reply-To"].addresses[0].addr_spec == "jane@example.com"
    assert "My mother's care home closed" in letter.text
    assert letter.text.startswith("Jane Smith\n1 High Street\nTestington\nTE1 1AA\n")
    assert site.wait_for_status(1, LetterStatus.SENT) == LetterStatus.SENT
    page.reload()
    expect(page.get_by_text("Your letter has been delivered to Alice Able")).to_be_visible()


def test_errors_are_announced_and_focus_moves_to_them(site, page):
    CampaignPage(page, site.url).open().find_mp("TE1 1AA")
    page.get_by_role("button", name="Preview your letter").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your full name.")
    summary.get_by_role("link", name="Enter your full name.").click()
    expect(page.get_by_label("Your full name")).to_be_focused()
    expect(page.get_by_label("Your full name")).to_have_attribute("aria-invalid", "true")


def test_the_journey_works_from_the_keyboard(site, page):
    page.goto(f"{site.url}/c/mp-expenses")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("Your postcode").focus()
    page.keyboard.type("BT7 1NN")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Choose your constituency")).to_be_visible()
    page.get_by_label(re.compile("^Derry Test")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".mp-card__name")).to_have_text("Fergal Og")


def test_the_page_works_without_javascript(site, browser, mail_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    compose = CampaignPage(page, site.url).open().find_mp("TE1 1AA")
    compose.fill_details(
        name="Sam Lee", email="sam@example.com", address1="2 Low Road", town="Testington"
    )
    compose.make_it_personal("I am a nurse and I see the cost of waste every day.")
    compose.preview().send()
    assert "/confirm/" in confirmation_link(mail_server, "sam@example.com")
    context.close()
