"""The widget embedded in a fake partner blog on another origin, as its readers use it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter, LetterStatus, Source
from app.partners.registry import save_partner, set_active

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
MP_ADDRESS = "alice.able.mp@parliament.uk"


def open_blog(page, blog, query="widgets=1"):
    page.goto(f"{blog.url}/?{query}")
    return page.locator("#widget-main")


def write_letter(widget, page, *, postcode="TE1 1AA", email="reader@example.com"):
    widget.get_by_label("Your postcode").fill(postcode)
    widget.get_by_role("button", name="Find my MP").click()
    widget.get_by_label("Your full name").fill("Rita Reader")
    widget.get_by_label("Your email address").fill(email)
    widget.get_by_label("Address line 1").fill("3 Press Lane")
    widget.get_by_label("Town or city").fill("Testington")
    body = widget.get_by_label("Your message")
    body.fill(
        re.sub(r"\[[^\]]+\]", "I read the Gazette every morning; this matters.", body.input_value())
    )
    page.wait_for_timeout(1100)  # people take a moment; instant forms look like robots
    privacy = widget.get_by_role("link", name="What we keep, and for how long")
    assert privacy.get_attribute("href").endswith("/privacy")
    widget.get_by_role("button", name="Preview your letter").click()


def test_a_reader_writes_from_the_blog_and_the_mp_gets_it_credited(site, blog, page, mail_server):
    widget = open_blog(page, blog)
    write_letter(widget, page)
    expect(widget.get_by_role("heading", name="Check your letter")).to_be_focused()
    widget.get_by_role("button", name="Send my letter").click()
    expect(widget.get_by_role("heading", name="Check your email")).to_be_visible()

    [confirmation] = mail_server.wait_for(1, timeout=15, to="reader@example.com")
    link = re.search(r"http://\S+/confirm/\S+", confirmation.text).group(0)
    page.goto(link)
    page.get_by_role("button", name="Send my letter").click()
    back = page.get_by_role("link", name="Back to The Test Blog")
    expect(back).to_have_attribute("href", f"{blog.url}/?widgets=1")

    [delivered] = mail_server.wait_for(1, timeout=15, to=MP_ADDRESS)
    assert "I read the Gazette every morning" in delivered.text
    assert delivered["Reply-To"].addresses[0].addr_spec == "reader@example.com"
    with site.app.app_context():
        letter = db.session.scalars(select(Letter)).one()
        assert letter.source == Source.WIDGET
        assert letter.partner.slug == "test-blog"
        assert letter.embed_url == f"{blog.url}/?widgets=1"
        letter_id = letter.id
    assert site.wait_for_status(letter_id, LetterStatus.SENT) == LetterStatus.SENT
    back.click()
    expect(page).to_have_url(f"{blog.url}/?widgets=1")


def computed(page, selector, properties):
    return page.evaluate(
        """([selector, properties]) => {
            const style = getComputedStyle(document.querySelector(selector));
            return Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]));
        }""",
        [selector, properties],
    )


HOST_PROPERTIES = ["background-color", "border-top-style", "font-size", "font-family", "padding-top",
                   "text-transform", "color", "box-sizing"]  # fmt: skip


def test_host_styles_do_not_leak_in_and_widget_styles_do_not_leak_out(site, blog, page):
    page.goto(f"{blog.url}/?widgets=0")
    host_alone = {s: computed(page, s, HOST_PROPERTIES) for s in ("#host-button", "#after", "body")}

    widget = open_blog(page, blog)
    expect(widget.get_by_role("button", name="Find my MP")).to_be_visible()
    host_with_widget = {
        s: computed(page, s, HOST_PROPERTIES) for s in ("#host-button", "#after", "body")
    }
    assert host_with_widget == host_alone
    assert (
        host_alone["#host-button"]["background-color"] == "rgb(255, 105, 180)"
    )  # the blog's hotpink

    inside = widget.get_by_role("button", name="Find my MP").evaluate(
        "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.borderTopStyle, s.fontFamily, s.fontSize]; }"
    )
    assert inside[0] == "rgb(0, 112, 60)"  # the widget's accent, not hotpink
    assert inside[1] != "dashed"
    assert "Georgia" not in inside[2]
    assert inside[3] != "30px"
    hint = widget.get_by_text("We use it only to find your MP.")
    assert (
        hint.evaluate("p => getComputedStyle(p).textTransform") == "none"
    )  # the blog uppercases <p>
    assert page.evaluate("document.cookie") == ""


def test_two_widgets_on_one_page_both_work(site, blog, page):
    page.goto(f"{blog.url}/?widgets=2")
    main, side = page.locator("#widget-main"), page.locator("#widget-side")
    main.get_by_label("Your postcode").fill("TE1 1AA")
    side.get_by_label("Eich cod post").fill("BT7 1NN")
    main.get_by_role("button", name="Find my MP").click()
    side.get_by_role("button", name="Dod o hyd i'm AS").click()
    expect(main.locator(".mp .name")).to_have_text("Alice Able")
    expect(side.get_by_role("heading", name="Dewiswch eich etholaeth")).to_be_visible()
    side.get_by_label(re.compile("^Derry Test")).check()
    side.get_by_role("button", name="Parhau").click()
    expect(side.locator(".mp .name")).to_have_text("Fergal Og")
    expect(main.locator(".mp .name")).to_have_text("Alice Able")  # untouched by the other


def test_a_disabled_partner_shows_a_polite_notice(site, blog, page):
    with site.app.app_context():
        set_active("test-blog", False)
        db.session.remove()
    widget = open_blog(page, blog)
    expect(
        widget.get_by_text("This campaign form isn't available on this site at the moment.")
    ).to_be_visible()
    expect(widget.get_by_label("Your postcode")).to_have_count(0)


def test_an_unregistered_site_cannot_use_the_widget(site, blog, page):
    with site.app.app_context():
        save_partner("test-blog", name="The Test Blog", origins=["https://elsewhere.example"])
        db.session.remove()
    widget = open_blog(page, blog)
    expect(widget.get_by_text("We couldn't reach the server.")).to_be_visible()
    with site.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0


def test_field_errors_are_inline_and_focus_moves_to_the_first(site, blog, page):
    widget = open_blog(page, blog)
    widget.get_by_label("Your postcode").fill("not a postcode")
    widget.get_by_role("button", name="Find my MP").click()
    expect(widget.locator(".msg")).to_contain_text("Please enter a full UK postcode")
    postcode = widget.get_by_label("Your postcode")
    expect(postcode).to_be_focused()
    expect(postcode).to_have_attribute("aria-invalid", "true")

    postcode.fill("TE1 1AA")
    postcode.press("Enter")  # the keyboard is enough
    widget.get_by_role("button", name="Preview your letter").click()
    name = widget.get_by_label("Your full name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(widget.get_by_role("alert")).to_contain_text("Enter your full name.")
    widget.get_by_label("Your email address").fill("nope")
    widget.get_by_role("alert").get_by_role("link", name="Enter your email address.").click()
    expect(widget.get_by_label("Your email address")).to_be_focused()


def test_special_cases_in_the_widget(site, blog, page):
    widget = open_blog(page, blog)
    widget.get_by_label("Your postcode").fill("G1 1AA")
    widget.get_by_role("button", name="Find my MP").click()
    expect(
        widget.get_by_text("We don't have a working email address for Dougal Ross")
    ).to_be_visible()
    widget.get_by_role("button", name="Enter a different postcode").click()
    widget.get_by_label("Your postcode").fill("JE2 4WF")
    widget.get_by_role("button", name="Find my MP").click()
    expect(widget.locator(".msg")).to_contain_text("Jersey does not elect an MP")
    widget.get_by_label("Your postcode").fill("VA1 1AA")
    widget.get_by_role("button", name="Find my MP").click()
    expect(widget.get_by_text("The seat for Vacantshire is vacant")).to_be_visible()


def test_the_widget_leaves_no_empty_strip_beside_it(site, blog, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    widget = open_blog(page, blog)
    expect(widget.get_by_label("Your postcode")).to_be_visible()
    host = widget.bounding_box()
    card = widget.locator(".w").first.bounding_box()
    assert abs((host["x"] + host["width"]) - (card["x"] + card["width"])) <= 2, (host, card)
    assert card["width"] <= 640


def test_the_welsh_widget_has_no_english_in_it(site, blog, page):
    """Its words, its errors and the consent it asks for come from the site's catalogue."""
    page.goto(f"{blog.url}/?widgets=2")
    side = page.locator("#widget-side")
    side.get_by_label("Eich cod post").fill("TE1 1AA")
    side.get_by_role("button", name="Dod o hyd i'm AS").click()
    expect(
        side.get_by_role("heading", name="Ysgrifennu at eich Aelod Seneddol (AS)")
    ).to_be_visible()
    expect(
        side.get_by_label(re.compile("^E-bostiwch rybuddion ataf"))
    ).to_be_visible()  # the consent
    side.get_by_label("Eich enw llawn").fill("")
    side.get_by_role("button", name="Rhagolwg o'ch llythyr").click()
    expect(side.locator(".msg .sr").first).to_have_text("Gwall: ")
