"""The mobilising loop in a browser: an alert, a click, a letter, a share, the numbers."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from app.accounts.models import AdminUser
from app.accounts.sign_in import create_admin
from app.alerts.subscribers import record_consent
from app.extensions import db
from tests.browser.pages import ComposePage, ConfirmPage
from tests.builders.admins import ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_a_subscriber_clicks_through_an_alert_writes_and_shares(site, inbox, page, mail_server):
    with site.app.app_context():
        admin = create_admin("ada@example.org", ADMIN_PASSWORD)
        secret = pyotp.random_base32()
        db.session.get(AdminUser, admin.id).totp_secret = secret
        db.session.commit()
        record_consent("sam@example.com", source="site", postcode="TE1 1AA", verified=True)
        db.session.remove()
    # Outside links (the share platforms) answer locally: there is no internet here.
    page.route(re.compile(r"https://(www\.facebook\.com|wa\.me|x\.com|bsky\.app)/.*"),
               lambda route: route.fulfill(body="shared"))  # fmt: skip

    # The campaign team writes and sends an alert.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.url}/admin/login")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="New alert").click()
    page.get_by_label("Subject", exact=True).fill("Your MP votes on Thursday")
    page.get_by_label("Text of the alert (Markdown)").fill("Please write **today**.")
    page.get_by_label("Send to").select_option("mp_not_heard")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Send to 1").click()
    expect(
        page.get_by_role(
            "heading", name="Send \u201cYour MP votes on Thursday\u201d to 1 subscriber?"
        )
    ).to_be_visible()
    page.get_by_role("button", name="Yes, send to 1 subscriber").click()
    expect(page.get_by_text("1 of 1 done: 1 sent")).to_be_visible(timeout=15_000)  # the live counts
    expect(page.locator('[data-stat="sent"]')).to_have_text("1")
    assert errors == []  # (a character counter once took a figure for a text box)

    # The subscriber opens it in the mail catcher and clicks through.
    mail_server.wait_for(1, timeout=15, to="sam@example.com")
    page.goto(inbox.url)
    page.get_by_role("link", name="Your MP votes on Thursday").click()
    page.locator("a[href*='/a/']").first.click()
    postcode = page.get_by_label("Your postcode")
    expect(postcode).to_have_value("")  # nothing of theirs rides on a forwardable link
    postcode.fill("TE1 1AA")

    page.get_by_role("button", name="Find my MP").click()
    compose = ComposePage(page).expect_mp("Alice Able")
    compose.fill_details(
        name="Sam Lee", email="sam@example.com", address1="4 Mill Lane", town="Testington"
    )
    compose.make_it_personal("I have lived here for thirty years and I expect honesty.")
    compose.preview().send()

    confirm = next(
        m
        for m in mail_server.wait_for(2, timeout=15, to="sam@example.com")
        if "Confirm" in m["Subject"]
    )
    share = ConfirmPage(page, re.search(r"http://\S+/confirm/\S+", confirm.text).group(0)).send()
    page.get_by_role("link", name=re.compile("Send on WhatsApp")).click()
    share.page.wait_for_timeout(300)

    # The numbers show the click, the letter and the share.
    page.goto(f"{site.url}/admin/alerts")
    row = page.get_by_role("row", name=re.compile("Your MP votes on Thursday"))
    # (cells: alert, state, recipients, sent, bounced, complaints, clicked, letters)
    expect(row.get_by_role("cell").nth(6)).to_have_text("1")  # clicked
    expect(row.get_by_role("cell").nth(7)).to_have_text("1")  # letters within 7 days
    page.goto(f"{site.url}/admin/")
    loop = page.get_by_role("region", name="The sharing loop")
    expect(loop.get_by_role("row", name=re.compile("^whatsapp"))).to_have_text(
        re.compile(r"whatsapp\s*1\s*0\s*0")
    )
    expect(page.get_by_role("row", name=re.compile("^alert"))).to_contain_text("1")
