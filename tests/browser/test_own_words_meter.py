"""The own-words meter, live while typing, on the compose page and in the
widget: the figure the browser shows is the one the site computes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.letters.own_words import measure
from tests.browser.pages import CampaignPage
from tests.builders.letters import demo_campaign

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
NAMES = ("Alice Able", "Testington North", "Rita Reader")
OWN = "I run the bakery on Mill Lane and I pay my taxes in full every year."


def expected_percent(site, body: str) -> int:
    with site.app.app_context():
        template = demo_campaign().body_template
        db.session.remove()
    filled = (template.replace("{mp_name}", NAMES[0]).replace("{constituency}", NAMES[1])
              .replace("{constituent_name}", NAMES[2]))  # fmt: skip
    return measure(body, filled, NAMES).percent


def type_a_letter(scope) -> str:
    scope.get_by_label("Your full name").fill(NAMES[2])
    body = scope.get_by_label("Your message")
    text = re.sub(r"\[[^\]]+\]", OWN, body.input_value())
    body.fill(text)
    return text


@pytest.fixture
def minimum_40(site):
    # A write transaction from the start (BEGIN IMMEDIATE on SQLite): a read
    # upgraded to a write while the site's worker writes would deadlock.
    with site.app.app_context():
        with write_transaction() as session:
            session.get_one(Campaign, demo_campaign().id).min_own_words_percent = 40
        db.session.remove()


def test_the_compose_page_shows_the_figure_the_site_checks(site, page, minimum_40):
    CampaignPage(page, site.url).open().find_mp("TE1 1AA")
    meter = page.locator("#body-own-words")
    expect(meter).to_have_text("About 0% in your own words (this campaign asks for at least 40%)")
    body = type_a_letter(page)
    percent = expected_percent(site, body)
    assert 0 < percent < 100
    expect(meter).to_have_text(
        f"About {percent}% in your own words (this campaign asks for at least 40%)"
    )
    page.get_by_label("Your message").fill(OWN)  # all their own
    expect(meter).to_contain_text("About 100% in your own words")


def test_the_widget_shows_it_too(site, blog, page, minimum_40):
    page.goto(f"{blog.url}/?widgets=1")
    widget = page.locator("#widget-main")
    widget.get_by_label("Your postcode").fill("TE1 1AA")
    widget.get_by_role("button", name="Find my MP").click()
    body = type_a_letter(widget)
    percent = expected_percent(site, body)
    expect(widget.get_by_text(re.compile(r"in your own words"))).to_have_text(
        f"About {percent}% in your own words (this campaign asks for at least 40%)"
    )
