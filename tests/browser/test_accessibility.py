"""Accessibility checked by machine: axe-core on every page and state, in Chromium.

axe-core (npm, in widget/node_modules) is added to each page as the browser
opens it, through the DevTools protocol, so the site's strict CSP stays on.
Each page is checked against WCAG 2.2 A and AA; the test prints the pages it
checked with their violations (there must be none). Screenshots of the
main pages, on a desktop and a phone, in English and Welsh, are saved in
tests/browser/artifacts/ (ignored by git) for a reviewer to look at after any run.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from app.api_keys.keys import issue
from app.api_keys.models import Scope
from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.letters.models import Letter
from app.letters.submission import confirm_letter, confirmation_token
from app.offices.digests import office_token
from app.partners.registry import figures_token, save_partner
from app.replies.questionnaire import question_token
from app.webhooks.endpoints import register
from app.webhooks.models import Event
from tests.browser.conftest import sign_in
from tests.browser.pages import CampaignPage, ConfirmPage
from tests.builders.letters import PERSONAL_BODY, demo_campaign, submit
from tests.builders.settings import ROOT
from tests.builders.targets import held_for_the_site

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Audit:
    """Runs axe on pages as a person reaches them, and keeps what it found."""

    def __init__(self):
        self.found: dict[str, list[str]] = {}

    def check(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        self.found[name] = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in result["violations"]
        ]

    def report(self) -> None:
        print(f"\naxe-core (WCAG 2.2 A and AA) on {len(self.found)} pages:")
        for name, violations in self.found.items():
            print(f"  {name}: {len(violations)} violations")
        failing = {name: v for name, v in self.found.items() if v}
        assert not failing, failing


@pytest.fixture
def audit():
    if not AXE.exists():
        pytest.skip("axe-core is not installed: cd widget && npm ci")
    return Audit()


def axe_context(browser, viewport=PHONE, **options):
    context = browser.new_context(viewport=viewport, **options)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    return context


def shoot(page, name: str, audit: Audit | None = None) -> None:
    """Full-page screenshots of this page on a phone and a desktop, in English
    and in Welsh (and, given `audit`, axe run on the Welsh page too)."""
    ARTIFACTS.mkdir(exist_ok=True)
    size, url = page.viewport_size, page.url

    def in_(lang: str) -> str:  # the same page (a GET), asking for `lang`, kept in a cookie
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", lang)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    for lang in ("en", "cy"):
        page.goto(in_(lang))
        if lang == "cy" and audit is not None:
            audit.check(page, f"{name}, in Welsh")
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-{lang}.png"), full_page=True)
    page.goto(in_("en"))
    page.set_viewport_size(size)


def write_and_send(compose, audit, preview_name: str, *, words: str, **details) -> None:
    """Fill in the letter, check its preview with axe, and send it."""
    compose.fill_details(**details)
    compose.make_it_personal(words)
    preview = compose.preview()
    audit.check(compose.page, preview_name)
    preview.send()


def link_in(mail_server, address: str, pattern: str) -> str:
    [email] = mail_server.wait_for(1, timeout=15, to=address)
    return re.search(pattern, email.text).group(0)


def test_every_public_page_and_state_passes_axe(site, browser, mail_server, audit):
    context = axe_context(browser)
    page = context.new_page()
    url = site.url

    page.goto(url + "/")
    audit.check(page, "home")
    CampaignPage(page, url).open()
    audit.check(page, "campaign")
    shoot(page, "campaign", audit)
    page.goto(f"{url}/c/mp-expenses/write?postcode=rubbish")
    audit.check(page, "lookup: not a postcode (error)")
    page.goto(f"{url}/c/mp-expenses/write?postcode=BT7+1NN")
    audit.check(page, "lookup: Northern Ireland chooser")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose your constituency")
    audit.check(page, "lookup: chooser with error")
    page.goto(f"{url}/c/mp-expenses/write?postcode=TE9+9ZZ")
    audit.check(page, "lookup: postcode not tied to a constituency")

    compose = CampaignPage(page, url).open().find_mp("TE1 1AA")
    audit.check(page, "compose")
    shoot(page, "compose", audit)
    page.get_by_role("button", name="Preview your letter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "compose with errors")
    write_and_send(compose, audit, "preview", name="Jane Smith", email="jane@example.com",
                   address1="1 High Street", town="Testington",
                   words="My mother's care home closed last year; every pound matters.")  # fmt: skip
    audit.check(page, "check your email")

    confirm_url = link_in(mail_server, "jane@example.com", r"http://\S+/confirm/\S+")
    page.goto(confirm_url)
    audit.check(page, "confirm")
    ConfirmPage(page, confirm_url).send()
    audit.check(page, "thanks and share")
    shoot(page, "thanks", audit)

    page.goto(f"{url}/c/mp-expenses")
    page.get_by_label("Your email address").fill("sam@example.com")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Sign me up").click()
    audit.check(page, "alerts: check your email")
    page.goto(link_in(mail_server, "sam@example.com", r"http://\S+/alerts/confirm/\S+"))
    audit.check(page, "alerts: confirm")
    page.get_by_role("button").first.click()
    audit.check(page, "alerts: confirmed")

    with site.app.app_context():
        letter = db.session.query(Letter).one()
        did_reply = question_token(letter.id)
        office = office_token(letter.mp_id, letter.campaign_id, letter.id)
        db.session.remove()
    for path, name in [
        ("/c/mp-expenses/map", "campaign map"),
        ("/c/mp-expenses/replies", "did MPs reply? (campaign)"),
        (f"/replied/{did_reply}", "did your MP reply?"),
        (f"/office/{office}", "MP's office: digest choice"),
        ("/privacy", "privacy notice"),
        ("/about", "about"),
        ("/your-data", "your data: request"),
        ("/confirm/not-a-token", "confirm: bad link"),
        ("/no-such-page", "404"),
    ]:
        page.goto(url + path)
        audit.check(page, name)
        if name == "campaign map":
            shoot(page, "map", audit)

    with site.app.app_context(), write_transaction() as session:
        session.query(Campaign).update({"status": "closed"})
    page.goto(f"{url}/c/mp-expenses")
    audit.check(page, "campaign closed")
    context.close()
    audit.report()


def test_the_widget_on_a_partner_page_passes_axe(site, blog, browser, audit):
    context = axe_context(browser)
    page = context.new_page()
    page.goto(f"{blog.url}/?widgets=1")
    widget = page.locator("#widget-main")
    expect(widget.get_by_label("Your postcode")).to_be_visible()
    audit.check(page, "widget: partner page")
    widget.get_by_label("Your postcode").fill("TE1 1AA")
    widget.get_by_role("button", name="Find my MP").click()
    expect(widget.get_by_label("Your message")).to_be_visible()
    audit.check(page, "widget: compose")
    context.close()
    audit.report()


def test_every_admin_page_passes_axe(site, browser, admin_secret, audit):
    with site.app.app_context():  # a letter, and a near-copy of it held for moderation
        first = confirm_letter(confirmation_token(submit()))
        copy = PERSONAL_BODY.replace("Jane Smith", "Carl Copier")
        confirm_letter(confirmation_token(
            submit(email="carl@example.com", name="Carl Copier", body=copy, key="c")
        ))  # fmt: skip
        letter_path = f"/admin/letters/{first.id}"
        held_path = f"/admin/letters/{held_for_the_site(demo_campaign()).id}"
        register("https://crm.example.org/hooks/ours", [Event.LETTER_DELIVERED])
        issue("Our CRM's nightly sync", [Scope.READ_OUTREACHES])
        gazette = save_partner("gazette", name="The Test Gazette", origins=["https://g.example"])
        figures_path = f"/partners/figures/{figures_token(gazette.id)}"
        db.session.remove()
    context = axe_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site.url}/admin/")
    audit.check(page, "admin: sign in")
    sign_in(page, site, admin_secret)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path, name in [
        ("/admin/", "dashboard"),
        ("/admin/campaigns", "campaigns"),
        ("/admin/campaigns/new", "new campaign"),
        ("/admin/campaigns/1", "edit campaign"),
        ("/admin/campaigns/1/share-test", "A/B test of the share message"),
        ("/admin/letters", "letters"),
        (letter_path, "a letter"),
        (held_path, "a letter with a recipient held"),
        ("/admin/moderation", "moderation, a pair highlighted and a recipient held"),
        ("/admin/mps", "MPs"),
        ("/admin/alerts", "alerts"),
        ("/admin/alerts/new", "new alert"),
        ("/admin/subscribers", "subscribers"),
        ("/admin/partners", "partners"),
        ("/admin/partners/new", "new partner"),
        ("/admin/webhooks", "webhooks"),
        ("/admin/webhooks/new", "new webhook endpoint"),
        ("/admin/api-keys", "API keys"),
        ("/admin/api-keys/new", "new API key"),
        ("/admin/exports", "exports"),
        ("/admin/audit", "audit log"),
        ("/admin/privacy", "privacy"),
        ("/admin/replies", "replies"),
        ("/admin/parliament", "parliament"),
    ]:
        page.goto(site.url + path)
        audit.check(page, f"admin: {name}")
    page.goto(site.url + figures_path)
    audit.check(page, "a partner's own figures")
    page.goto(f"{site.url}/admin/moderation")
    expect(page.locator(".held mark").first).to_be_visible()  # the pair was checked highlighted
    page.goto(f"{site.url}/admin/mps")
    page.locator("table a[href*='/admin/mps/']").first.click()
    audit.check(page, "admin: edit MP")
    context.close()
    audit.report()


def test_the_audit_finds_a_fault_when_there_is_one(site, browser, audit):
    """The check can fail: with the postcode box's label taken away, axe says so."""
    context = axe_context(browser)
    page = context.new_page()
    page.goto(f"{site.url}/c/mp-expenses")
    page.evaluate("document.querySelector('label[for=postcode]').remove()")
    audit.check(page, "campaign, label removed")
    context.close()
    [violation] = audit.found["campaign, label removed"]
    assert violation.startswith("label (critical)")
    with pytest.raises(AssertionError):
        audit.report()


@pytest.mark.parametrize("path", ["/c/mp-expenses", "/c/mp-expenses/map", "/privacy"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_the_first_heading_has_room_below_the_header(site, browser, path, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(site.url + path)
    header = page.locator(".site-header").bounding_box()
    heading = page.locator("h1").bounding_box()
    context.close()
    assert heading["y"] - (header["y"] + header["height"]) >= 16


def test_a_letter_by_post_passes_axe_and_prints_alone(site, browser, mail_server, audit):
    context = axe_context(browser)
    page = context.new_page()
    compose = CampaignPage(page, site.url).open().find_mp("G1 1AA")
    expect(page.get_by_role("heading", name="Your letter goes by post")).to_be_visible()
    audit.check(page, "compose, by post")
    write_and_send(compose, audit, "preview, by post", name="Fiona Glen",
                   email="fiona@example.com", address1="4 Glen Road", town="Glasgow",
                   words="The ferry to my island runs twice a week; I need to reach you.")  # fmt: skip
    ConfirmPage(page, link_in(mail_server, "fiona@example.com", r"http://\S+/confirm/\S+")).send()
    expect(page.get_by_role("button", name="Print your letter")).to_be_visible()
    audit.check(page, "thanks, by post")
    shoot(page, "thanks-by-post")
    page.emulate_media(media="print")
    letter = page.get_by_role("article", name="Your letter, to print")
    expect(letter).to_be_visible()
    expect(letter).to_contain_text("House of Commons")
    for hidden in (".site-header", ".site-footer", ".share", ".panel"):
        assert (
            page.locator(hidden).first.evaluate("e => getComputedStyle(e).visibility") == "hidden"
        )
    context.close()
    audit.report()


def test_a_branded_campaign_passes_axe_on_the_site_and_in_the_widget(site, blog, browser, audit):
    import io

    from PIL import Image

    from app.campaigns import branding

    picture = io.BytesIO()
    Image.new("RGB", (900, 500), (40, 90, 60)).save(picture, format="PNG")
    with site.app.app_context():
        with write_transaction() as session:
            session.query(Campaign).update({
                "accent_colour": "#5c2d91", "organisation_name": "Open Purse",
                "organisation_url": "https://openpurse.example", "image_alt": "A pile of receipts",
            })  # fmt: skip
        campaign_id = db.session.query(Campaign.id).scalar()
        branding.set_image(campaign_id, branding.resized(picture.getvalue()))
        db.session.remove()
    context = axe_context(browser)
    page = context.new_page()
    page.goto(f"{site.url}/c/mp-expenses")
    expect(page.get_by_role("img", name="A pile of receipts")).to_be_visible()
    header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(92, 45, 145)"
    audit.check(page, "campaign, branded")
    shoot(page, "campaign-branded")

    page.goto(f"{blog.url}/?widgets=1")
    widget = page.locator("#widget-main")
    expect(widget.get_by_text("A campaign by")).to_be_visible()
    expect(widget.get_by_role("link", name="Open Purse")).to_have_attribute(
        "href", "https://openpurse.example"
    )
    button = widget.get_by_role("button", name="Find my MP")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(92, 45, 145)"
    audit.check(page, "widget, branded")
    context.close()
    audit.report()
