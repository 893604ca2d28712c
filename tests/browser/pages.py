"""Page objects: what a person sees and does on each page of the journey."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


class CampaignPage:
    def __init__(self, page: Page, base_url: str, slug: str = "mp-expenses"):
        self.page = page
        self.url = f"{base_url}/c/{slug}"

    def open(self) -> CampaignPage:
        self.page.goto(self.url)
        return self

    def find_mp(self, postcode: str) -> ComposePage:
        self.page.get_by_label("Your postcode").fill(postcode)
        self.page.get_by_role("button", name="Find my MP").click()
        return ComposePage(self.page)


class ComposePage:
    def __init__(self, page: Page):
        self.page = page

    def expect_mp(self, name: str) -> ComposePage:
        expect(self.page.locator(".mp-card__name")).to_have_text(name)
        return self

    def fill_details(self, *, name, email, address1, town) -> ComposePage:
        self.page.get_by_label("Your full name").fill(name)
        self.page.get_by_label("Your email address").fill(email)
        self.page.get_by_label("Address line 1").fill(address1)
        self.page.get_by_label("Town or city").fill(town)
        return self

    def make_it_personal(self, own_words: str) -> ComposePage:
        body = self.page.get_by_label("Your message")
        text = body.input_value()
        body.fill(re.sub(r"\[[^\]]+\]", own_words, text))
        return self

    def preview(self) -> PreviewPage:
        # People take a while to write; the site treats instant forms as robots.
        self.page.wait_for_timeout(1100)
        self.page.get_by_role("button", name="Preview your letter").click()
        return PreviewPage(self.page)


SEND_OR_PRINT = re.compile(
    "Send my letter|Email me the link to print it|Get my letter ready to print"
)


class PreviewPage:
    def __init__(self, page: Page):
        self.page = page
        expect(page.get_by_role("heading", name="Check your letter")).to_be_visible()

    def send(self) -> None:
        # (A letter to an MP with no email is printed and posted: the button says so.)
        self.page.get_by_role("button", name=SEND_OR_PRINT).click()
        expect(self.page.get_by_role("heading", name="Check your email")).to_be_visible()


class ConfirmPage:
    def __init__(self, page: Page, link: str):
        self.page = page
        page.goto(link)

    def send(self) -> SharePage:
        self.page.get_by_role("button", name=SEND_OR_PRINT).click()
        return SharePage(self.page)


class SharePage:
    def __init__(self, page: Page):
        self.page = page
        expect(page.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()

    def share_links(self) -> list[str]:
        return self.page.locator(".share__link").evaluate_all("els => els.map(e => e.href)")
