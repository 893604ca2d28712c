"""Valid HTML, by an independent checker: the Nu Html Checker (vnu.jar, with Java).

A browser walks every public and admin page and state it can reach, as a
person would; every HTML document the server sends it (devtools/html_check.py
records them) goes through the checker once, which must find no errors and
no warnings (devtools/html_check.py filters none of them out). The
admin tables are checked for one rule the checker does not know: a table
whose rows have headers (`<th scope="row">`) gives its column headers
`scope="col"` too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect

from app.accounts.sign_in import create_admin
from app.alerts.subscribers import record_consent, token_for
from app.campaigns.models import Campaign
from app.db import write_transaction
from app.extensions import db
from app.letters.models import Letter
from app.letters.submission import confirm_letter, confirmation_token
from app.offices.digests import office_token
from app.privacy.requests import link_token
from app.replies.questionnaire import ask_due, question_token
from app.tokens import Purpose
from devtools import html_check
from devtools.html_check import Document, record_documents, validate
from tests.browser.conftest import sign_in
from tests.browser.pages import CampaignPage, ConfirmPage
from tests.builders.admins import ADMIN_PASSWORD
from tests.builders.letters import MP_ADDRESS, PERSONAL_BODY, demo_campaign, submit
from tests.builders.targets import held_for_the_site

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def documents(page) -> list[Document]:
    """Every HTML document `page` is sent during the test."""
    html_check.require_checker(skip=pytest.skip)
    return record_documents(page, [])


def link_in(mail_server, address: str, pattern: str) -> str:
    [email] = mail_server.wait_for(1, timeout=15, to=address)
    return re.search(pattern, email.text).group(0)


def in_welsh_and_back(page, url: str) -> None:
    """The page at `url` in Welsh (the choice is kept in a cookie), then in English again."""
    joiner = "&" if "?" in url else "?"
    page.goto(f"{url}{joiner}lang=cy")
    page.goto(f"{url}{joiner}lang=en")


def assert_valid(documents: list[Document], more_errors: Sequence[str] = ()) -> None:
    """The checker finds nothing in `documents` (and `more_errors` is empty too)."""
    print(f"\nNu Html Checker on {len(documents)} documents:")
    for document in documents:
        print(f"  {document.status} {document.url}")
    errors = [*validate(documents), *more_errors]
    assert errors == [], "\n".join(errors)


def test_every_public_page_and_state_is_valid_html(site, page, mail_server, documents):
    url = site.url
    page.goto(url + "/")
    CampaignPage(page, url).open()
    in_welsh_and_back(page, f"{url}/c/mp-expenses")

    # Finding the MP: errors, a chooser, a postcode with no constituency.
    page.goto(f"{url}/c/mp-expenses/write?postcode=rubbish")
    page.goto(f"{url}/c/mp-expenses/write?postcode=BT7+1NN")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose your constituency")
    page.goto(f"{url}/c/mp-expenses/write?postcode=TE9+9ZZ")
    CampaignPage(page, url).open().find_mp("G1 1AA")  # by post
    expect(page.get_by_role("heading", name="Your letter goes by post")).to_be_visible()

    # Writing, with errors first, then the preview and the emailed link.
    compose = CampaignPage(page, url).open().find_mp("TE1 1AA")
    in_welsh_and_back(page, page.url)
    page.get_by_role("button", name="Preview your letter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    compose.fill_details(
        name="Jane Smith", email="jane@example.com", address1="1 High Street", town="Testington"
    )
    compose.make_it_personal("My mother's care home closed last year; every pound matters.")
    compose.preview().send()  # the preview, then "check your email"
    confirm_url = link_in(mail_server, "jane@example.com", r"http://\S+/confirm/\S+")
    ConfirmPage(page, confirm_url).send()  # the confirm page, then thanks and share
    in_welsh_and_back(page, page.url)
    page.goto(f"{url}/confirm/not-a-token")
    page.goto(f"{url}/new-mp/not-a-token")

    # Alerts: sign up, confirm, change preferences, unsubscribe.
    page.goto(f"{url}/c/mp-expenses")
    page.get_by_label("Your email address").fill("sam@example.com")
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Sign me up").click()
    page.goto(link_in(mail_server, "sam@example.com", r"http://\S+/alerts/confirm/\S+"))
    page.get_by_role("button").first.click()
    page.goto(f"{url}/alerts")
    page.get_by_role("button", name="Sign me up").click()  # no address: an error
    with site.app.app_context():
        subscriber = record_consent("rob@example.com", source="site", verified=True)
        forwardable = token_for(subscriber, Purpose.ALERT_PREFERENCES)
        fresh = token_for(subscriber, Purpose.FRESH_PREFERENCES)
        unsubscribe = token_for(subscriber, Purpose.UNSUBSCRIBE)
        db.session.remove()
    page.goto(f"{url}/alerts/preferences/{forwardable}")
    page.goto(f"{url}/alerts/preferences/{fresh}")
    page.locator("form button[type=submit]").first.click()
    page.goto(f"{url}/alerts/unsubscribe/{unsubscribe}")
    page.locator("form button[type=submit]").first.click()
    page.goto(f"{url}/alerts/confirm/not-a-token")

    # Did your MP reply (asked once the letter is delivered), a follow-up, an MP's office.
    mail_server.wait_for(1, timeout=15, to=MP_ADDRESS)
    with site.app.app_context():
        with write_transaction() as session:
            session.query(Campaign).update({"follow_up_template": "Dear {mp_name}, again."})
        deadline = time.monotonic() + 15
        while not ask_due() and time.monotonic() < deadline:  # once "sent" is recorded
            time.sleep(0.1)
        letter = db.session.query(Letter).one()
        did_reply = question_token(letter.id)
        office = office_token(letter.mp_id, letter.campaign_id, letter.id)
        db.session.remove()
    page.goto(f"{url}/replied/{did_reply}?answer=no")
    page.get_by_role("button", name="Save my answer").click()
    page.get_by_role("link", name="Write a follow-up").click()
    page.get_by_label("Your letter").fill("")
    page.get_by_role("button", name="Send my follow-up").click()  # empty: an error
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(f"{url}/replied/not-a-token")
    page.goto(f"{url}/office/{office}")
    page.goto(f"{url}/c/mp-expenses/replies")
    page.goto(f"{url}/c/mp-expenses/map")
    in_welsh_and_back(page, f"{url}/c/mp-expenses/map")

    # Fixed pages, and your data.
    page.goto(f"{url}/privacy")
    in_welsh_and_back(page, f"{url}/privacy")
    page.goto(f"{url}/about")
    page.goto(f"{url}/your-data")
    page.locator("main form button[type=submit]").click()  # no address: an error
    page.get_by_label(re.compile("email", re.I)).fill("jane@example.com")
    page.locator("main form button[type=submit]").click()
    with site.app.app_context():
        yours = link_token("jane@example.com")
    page.goto(f"{url}/your-data/{yours}")
    page.get_by_role("button", name="Delete it").click()  # asked to be sure
    page.get_by_role("button", name="Yes, delete it all").click()
    page.goto(f"{url}/your-data/not-a-token")
    page.goto(f"{url}/no-such-page")

    with site.app.app_context(), write_transaction() as session:
        session.query(Campaign).update({"status": "closed"})
    page.goto(f"{url}/c/mp-expenses")
    assert_valid(documents)


def test_every_admin_page_and_state_is_valid_html(site, page, admin_secret, documents):
    with site.app.app_context():  # a letter, and a near-copy of it held for moderation
        first = confirm_letter(confirmation_token(submit()))
        copy = PERSONAL_BODY.replace("Jane Smith", "Carl Copier")
        confirm_letter(confirmation_token(
            submit(email="carl@example.com", name="Carl Copier", body=copy, key="c")
        ))  # fmt: skip
        record_consent("sam@example.com", source="site", postcode="TE1 1AA", verified=True)
        create_admin("bob@example.org", ADMIN_PASSWORD)  # not yet enrolled for codes
        letter_path = f"/admin/letters/{first.id}"
        held_path = f"/admin/letters/{held_for_the_site(demo_campaign()).id}"
        db.session.remove()
    url = site.url
    page.set_viewport_size({"width": 1280, "height": 900})

    # Signing in: a wrong password, then enrolling for codes.
    page.goto(f"{url}/admin/login")
    page.get_by_label("Email address").fill("bob@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the enrolment page
    page.context.clear_cookies()
    sign_in(page, site, admin_secret)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    for path in [
        "/admin/",
        "/admin/campaigns",
        "/admin/campaigns/new",
        "/admin/campaigns/1",
        "/admin/letters",
        letter_path,
        held_path,
        "/admin/moderation",
        "/admin/mps",
        "/admin/alerts",
        "/admin/subscribers",
        "/admin/subscribers?status=suppressed",
        "/admin/partners",
        "/admin/partners/new",
        "/admin/exports",
        "/admin/audit",
        "/admin/privacy",
        "/admin/replies",
        "/admin/parliament",
    ]:
        page.goto(url + path)
    page.goto(f"{url}/admin/mps")
    page.locator("table a[href*='/admin/mps/']").first.click()

    # A campaign saved with an error; a partner, with an error, then saved and edited.
    page.goto(f"{url}/admin/campaigns/new")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{url}/admin/partners/new")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Slug").fill("the-blog")
    page.get_by_label("Name").fill("The Blog")
    page.get_by_label("Allowed origins", exact=False).fill("https://blog.example.org")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{url}/admin/partners/the-blog")

    # Moderation: the held letter released.
    page.goto(f"{url}/admin/moderation")
    page.get_by_role("button", name=re.compile("^Release letter")).click()
    expect(page.get_by_text(re.compile(r"Letter \d+ released"))).to_be_visible()
    # A recipient held after the site's refusals, sent again.
    page.goto(f"{url}/admin/moderation")
    page.get_by_role("button", name=re.compile("^Send again letter .* to Pat Quill")).click()
    expect(page.get_by_text("The letter will go again to its held recipients.")).to_be_visible()

    # An alert: its empty preview, an error, saved, the "are you sure", sending.
    page.goto(f"{url}/admin/alerts/new")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Subject", exact=True).fill("Your MP votes on Thursday")
    page.get_by_label("Text of the alert (Markdown)").fill("Please write **today**.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Alert saved.")).to_be_visible()
    page.get_by_role("button", name="Send to 1").click()
    page.get_by_role("button", name="Yes, send to 1 subscriber").click()
    expect(page.get_by_text("1 of 1 done: 1 sent")).to_be_visible(timeout=15_000)
    page.goto(f"{url}/admin/alerts")
    page.goto(f"{url}/admin/")

    admin_documents = {d.body: d for d in documents if "/admin" in d.url}.values()
    unscoped = [
        f"{d.url}: {problem}" for d in admin_documents for problem in unscoped_headers(d.body)
    ]
    assert_valid(documents, unscoped)


class _TableHeaders(HTMLParser):
    """Notes, for each table, whether it has row headers, and its column headers
    (in its thead) that lack scope="col"."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.open: list[dict] = []  # tables open now, innermost last
        self.in_head = False
        self.header: dict | None = None  # an unscoped column header being read

    def handle_starttag(self, tag, attrs):
        scope = dict(attrs).get("scope")
        if tag == "table":
            table = {"line": self.getpos()[0], "row_headers": False, "unscoped": []}
            self.tables.append(table)
            self.open.append(table)
        elif not self.open:
            return
        elif tag == "thead":
            self.in_head = True
        elif tag == "th" and scope == "row":
            self.open[-1]["row_headers"] = True
        elif tag == "th" and self.in_head and scope != "col":
            self.header = {"text": ""}
            self.open[-1]["unscoped"].append(self.header)

    def handle_data(self, data):
        if self.header is not None:
            self.header["text"] += data

    def handle_endtag(self, tag):
        if tag == "th":
            self.header = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "table" and self.open:
            self.open.pop()


def unscoped_headers(html: str) -> list[str]:
    """In each table whose rows have headers, the column headers lacking scope="col"."""
    parser = _TableHeaders()
    parser.feed(html)
    return [
        f"line {table['line']}: a table with row headers, but column headers without "
        'scope="col": ' + ", ".join(repr(" ".join(h["text"].split())) for h in table["unscoped"])
        for table in parser.tables
        if table["row_headers"] and table["unscoped"]
    ]


def test_the_table_rule_finds_a_column_header_without_scope():
    html = (
        "<table><thead><tr><th scope=col>Name</th><th>Count</th></tr></thead>"
        "<tbody><tr><th scope=row>A</th><td>1</td></tr></tbody></table>"
        "<table><thead><tr><th>Plain</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )
    assert unscoped_headers(html) == [
        "line 1: a table with row headers, but column headers without scope=\"col\": 'Count'"
    ]


def test_the_checker_finds_an_error_when_there_is_one():
    html_check.require_checker(skip=pytest.skip)
    good = (
        "<!doctype html><html lang=en><head><title>Fine</title></head><body><p>Hi</p></body></html>"
    )
    bad = good.replace("<p>Hi</p>", "<figure><p>a</p><figcaption>c</figcaption><p>b</p></figure>")
    documents = [
        Document("http://example.test/good", 200, good),
        Document("http://example.test/bad", 200, bad),
        Document("http://example.test/bad-again", 200, bad),  # the same HTML: checked once
    ]
    [error] = validate(documents)
    assert error.startswith("http://example.test/bad: line 1: Element “p” not allowed")


def test_a_missing_checker_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(html_check, "VNU_JAR", tmp_path / "no.jar")
    monkeypatch.setenv("CI", "1")
    skipped = []
    with pytest.raises(html_check.CheckerMissing, match="npm ci"):
        html_check.require_checker(skip=skipped.append)
    assert skipped == []
    monkeypatch.delenv("CI")
    with pytest.raises(html_check.CheckerMissing):
        html_check.require_checker(skip=skipped.append)  # this `skip` returns, so it raises still
    assert len(skipped) == 1
    assert "npm ci" in skipped[0]
