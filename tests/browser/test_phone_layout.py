"""On a phone (390 px wide) no page is wider than the screen: wide tables
scroll inside their own box, long ones are folded away, and "Step 2 of 4"
never breaks across lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PHONE = {"width": 390, "height": 844}
PUBLIC = [
    "/c/mp-expenses",
    "/c/mp-expenses/write?postcode=TE1+1AA",
    "/c/mp-expenses/map",
    "/c/mp-expenses/replies",
    "/privacy",
]
ADMIN = [
    "/admin/", "/admin/campaigns", "/admin/letters", "/admin/mps", "/admin/alerts",
    "/admin/subscribers", "/admin/audit", "/admin/privacy", "/admin/replies",
]  # fmt: skip


def overflow(page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_public_page_is_wider_than_a_phone(site, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for path in PUBLIC:
        page.goto(site.url + path)
        assert overflow(page) <= 0, f"{path} is {overflow(page)} px wider than the phone"
    page.goto(site.url + "/c/mp-expenses/map")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, f"the map page is {height} px tall: its table should be folded"
    page.get_by_text("Letters delivered, by constituency: the table").click()
    expect(page.get_by_role("region", name="Letters delivered, by constituency")).to_be_visible()
    page.goto(site.url + "/c/mp-expenses/write?postcode=TE1+1AA")
    lines = page.evaluate("document.querySelector('.steps__count').getClientRects().length")
    assert lines == 1  # "Step 2 of 4" on one line
    context.close()


def test_no_admin_page_is_wider_than_a_phone(site, browser, admin_secret):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, site, admin_secret)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path in ADMIN:
        page.goto(site.url + path)
        assert overflow(page) <= 0, f"{path} is {overflow(page)} px wider than the phone"
    context.close()
