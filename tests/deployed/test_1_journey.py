"""The constituent's journey over HTTPS, on a phone and a desktop: campaign
page, postcode, letter, preview, send, the emailed link's "Send my letter",
the MP's inbox, then the alerts sign-up on the thanks page and its emailed
confirmation. The same in Welsh, and inside the widget on a partner's site."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import ConfirmPage
from tests.deployed.deployment import PARTNER
from tests.deployed.people import MP_ADDRESS, letter_status, wait_out_fill_time, write_a_letter

# Each writer's own words: letters too alike are held for a moderator.
OWN_WORDS = (
    "I cycle past the station every day and the lift has been broken since spring.",
    "My grandmother kept every receipt for forty years; surely Parliament can manage that.",
)


def test_a_constituent_writes_confirms_and_their_mp_gets_it(site, person):
    viewport = person.viewport_size["width"]
    email = f"pat.{viewport}@example.com"
    own_words = OWN_WORDS[viewport > 600]
    # The edge as deployed: HTTP/2 over TLS, HSTS, and the app's own headers.
    answer = person.goto(f"{site.url}/c/mp-expenses")
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert person.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol") == "h2"
    write_a_letter(person, site, email=email, own_words=own_words)
    [session] = [c for c in person.context.cookies() if c["name"] == "session"]
    assert (session["secure"], session["httpOnly"], session["sameSite"]) == (True, True, "Lax")
    assert person.url.startswith(site.url)  # HTTPS all the way, through HAProxy
    assert letter_status(site, email) == "pending"

    [confirmation] = site.emails(email, "Confirm")
    share = ConfirmPage(person, site.link(confirmation, "/confirm/")).send()
    expect(person.get_by_role("heading", level=1)).to_contain_text("Pat Example")
    site.wait_for_row("SELECT 1 FROM message WHERE sender_email = :e AND status = 'sent'", e=email)
    site.wait_for_row(  # nothing of this letter's left to send: a second copy would be here
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM outbox_email o JOIN message m "
        "ON m.id = o.message_id WHERE m.sender_email = :e AND o.status IN ('queued', 'sending'))",
        e=email,
    )
    delivered = site.emails(MP_ADDRESS, own_words)
    assert len(delivered) == 1, "the MP gets the letter once"
    assert delivered[0]["Reply-To"].addresses[0].addr_spec == email
    assert site.wait_for_row("SELECT 1 FROM message WHERE sender_email = :e AND status = 'sent'",
                             e=email)  # fmt: skip

    # The thanks page's alerts sign-up: the address just proven is signed up
    # at once; another address (their work one) confirms from its own inbox.
    signup = share.page.locator("#subscribe")
    work = f"pat.{viewport}.work@example.com"
    signup.get_by_label("Your email address").fill(work)
    signup.get_by_role("button", name="Yes, send me alerts").click()
    expect(person.get_by_role("status").first).to_contain_text("check that inbox")
    assert site.query("SELECT status FROM subscriber WHERE email = :e", e=work) == [("pending",)]
    [alerts] = site.emails(work, "/alerts/confirm/")
    person.goto(site.link(alerts, "/alerts/confirm/"))
    person.get_by_role("button", name="Yes, send me alerts").click()
    expect(person.get_by_role("heading", name="You're signed up")).to_be_visible()
    assert site.query("SELECT status FROM subscriber WHERE email = :e", e=work) == [("confirmed",)]


def test_a_reader_writes_from_a_partner_blog_over_https(site, desktop):
    desktop.goto(f"{site.partner_url}/?widgets=1")
    widget = desktop.locator("#widget-main")
    widget.get_by_label("Your postcode").fill("TE1 1AB")
    widget.get_by_role("button", name="Find my MP").click()
    started = desktop.evaluate("Date.now()")
    widget.get_by_label("Your full name").fill("Rita Reader")
    widget.get_by_label("Your email address").fill("rita@example.com")
    widget.get_by_label("Address line 1").fill("3 Press Lane")
    widget.get_by_label("Town or city").fill("Testington")
    body = widget.get_by_label("Your message")
    words = "I read the Gazette every morning, and the bus to work never comes on time."
    body.fill(re.sub(r"\[[^\]]+\]", words, body.input_value()))
    widget.get_by_role("button", name="Preview your letter").click()
    expect(widget.get_by_role("heading", name="Check your letter")).to_be_visible()
    wait_out_fill_time(desktop, started)
    widget.get_by_role("button", name="Send my letter").click()
    expect(widget.get_by_role("heading", name="Check your email")).to_be_visible()

    [confirmation] = site.emails("rita@example.com", "Confirm")
    desktop.goto(site.link(confirmation, "/confirm/"))
    desktop.get_by_role("button", name="Send my letter").click()
    back = desktop.get_by_role("link", name="Back to The Test Gazette")
    expect(back).to_have_attribute("href", f"{site.partner_url}/?widgets=1")
    [(source, partner)] = site.query(
        "SELECT m.source, p.slug FROM message m JOIN partner p ON p.id = m.partner_id "
        "WHERE m.sender_email = 'rita@example.com'"
    )
    assert (source, partner) == ("widget", PARTNER)
    delivered = site.emails(MP_ADDRESS, words)
    assert delivered[0]["Reply-To"].addresses[0].addr_spec == "rita@example.com"


def test_the_journey_in_welsh(site, welsh_phone):
    page = welsh_phone
    page.goto(f"{site.url}/c/mp-expenses?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.get_by_label("Eich cod post").fill("TE2 2BB")
    page.get_by_role("button", name="Dod o hyd i'm AS").click()
    expect(page.locator(".mp-card__name")).to_have_text("Bob Baker")
    loaded = page.evaluate("Date.now()")
    page.get_by_label("Eich enw llawn").fill("Gwen Prawf")
    page.get_by_label("Eich cyfeiriad e-bost").fill("gwen@example.com")
    page.get_by_label("Llinell gyntaf y cyfeiriad").fill("2 Stryd y Prawf")
    page.get_by_label("Tref neu ddinas").fill("Testington")
    body = page.get_by_label("Eich neges")
    words = "Rwy'n byw yma ers ugain mlynedd ac rwyf am i'r treuliau fod yn agored."
    body.fill(re.sub(r"\[[^\]]+\]", words, body.input_value()))
    page.get_by_role("button", name="Rhagolwg o'ch llythyr").click()
    wait_out_fill_time(page, loaded)
    page.get_by_role("button", name="Anfon fy llythyr").click()
    expect(page.get_by_role("heading", name="Gwiriwch eich e-bost")).to_be_visible()

    [confirmation] = site.emails("gwen@example.com", "/confirm/")
    assert confirmation["Subject"] == "Cadarnhewch eich llythyr at Bob Baker"  # in Welsh
    page.goto(site.link(confirmation, "/confirm/"))
    page.get_by_role("button", name="Anfon fy llythyr").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diolch")
    assert site.wait_for_row(
        "SELECT 1 FROM message WHERE sender_email = 'gwen@example.com' AND status = 'sent'"
    )
