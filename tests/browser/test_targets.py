"""The "done when" of several targets, in a real browser: a campaign writing
to MPs, a loaded list of councillors keyed by district code and one national
target. A writer in that district sees all three, ticks two, writes once and
confirms once; each chosen recipient gets its own email, Reply-To the writer,
with a footer naming the campaign; one recipient's bounce fails that
recipient only and tells the writer which one. axe-core checks the pages."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.letters.models import Letter, LetterStatus, RecipientStatus
from app.outbox.models import EmailKind, OutboxEmail
from app.replies.questionnaire import ask_due
from app.targets.campaigns import Settings, Variant, set_targets
from tests.bounces.builders import BOUNCE_DOMAIN, sample
from tests.browser.pages import CampaignPage, ConfirmPage
from tests.browser.test_accessibility import AXE, Audit, axe_context
from tests.builders.letters import demo_campaign
from tests.builders.targets import COUNCILLOR, COUNCILLORS, MINISTER, NATIONAL, load

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
MP_ADDRESS = "alice.able.mp@parliament.uk"
WRITER = "jane@example.com"


@pytest.fixture
def site_settings() -> dict:
    # The campaign's figures counted afresh: the map of one body is offered
    # once its first letter is delivered.
    return {"BOUNCE_DOMAIN": BOUNCE_DOMAIN, "MOMENTUM_CACHE_SECONDS": 0}


@pytest.fixture
def audit():
    if not AXE.exists():
        pytest.skip("axe-core is not installed: cd widget && npm ci")
    return Audit()


@pytest.fixture
def three_targets(site):
    """MPs (offered), one councillor for the district, one minister; none ticked."""
    with site.app.app_context():
        load("councillors", COUNCILLORS[:1], name="Testington councillors")
        load("ministers", NATIONAL, name="Ministers")
        set_targets(demo_campaign().id, Settings(
            mp="offered", lists=("councillors", "ministers"), preselected=False,
        ))  # fmt: skip
        db.session.remove()


def recipient_row(site, letter_id: int, name: str) -> int:
    with site.app.app_context():
        letter = db.session.get(Letter, letter_id)
        recipient = next(r for r in letter.recipients if r.name == name)
        row = db.session.query(OutboxEmail).filter_by(
            recipient_id=recipient.id, kind=EmailKind.TO_RECIPIENT
        ).one()  # fmt: skip
        db.session.remove()
        return row.id


def wait_for_recipient(site, letter_id: int, name: str, status, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        with site.app.app_context():
            letter = db.session.get(Letter, letter_id)
            found = next(r.status for r in letter.recipients if r.name == name)
            db.session.remove()
        if found == status or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def wait_for_subject(mail_server, to: str, words: str, timeout: float = 15.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mail_server.to(to) if words in m["Subject"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_writer_ticks_two_of_three_writes_once_and_each_gets_their_own(
    site, browser, mail_server, three_targets, audit, tmp_path
):
    page = axe_context(browser).new_page()
    compose = CampaignPage(page, site.url).open().find_mp("TE1 1AA")
    targets = page.get_by_role("group", name="Who to write to")
    for name in ("Alice Able", "Pat Quill", "Morgan Example"):
        expect(targets.get_by_text(name)).to_be_visible()
    boxes = targets.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    audit.check(page, "compose with targets")

    compose.fill_details(name="Jane Smith", email=WRITER, address1="1 High Street",
                         town="Testington")  # fmt: skip
    compose.make_it_personal("The bins on our street were missed for a month.")
    # Nothing ticked: the error is tied to the group, and focus goes to it.
    page.wait_for_timeout(1100)
    page.get_by_role("button", name="Preview your letter").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose at least one person to write to.")
    audit.check(page, "compose with targets: nothing ticked (error)")
    summary.get_by_role("link", name="Choose at least one person to write to.").click()
    expect(boxes.first).to_be_focused()

    targets = page.get_by_role("group", name="Who to write to")
    targets.get_by_role("checkbox", name=re.compile("^Alice Able")).check()
    targets.get_by_role("checkbox", name=re.compile("^Pat Quill")).check()
    preview = compose.preview()
    recipients = page.locator(".letter__meta .recipients")
    expect(recipients).to_contain_text("Alice Able, MP for Testington North")
    expect(recipients).to_contain_text("Pat Quill, Councillor for Testington East")
    expect(recipients).not_to_contain_text("Morgan Example")
    audit.check(page, "preview to two recipients")
    preview.send()

    [confirm] = mail_server.wait_for(1, timeout=15, to=WRITER)
    assert confirm["Subject"] == "Confirm your letter to Alice Able and Pat Quill"
    link = re.search(r"http://\S+/confirm/\S+", confirm.text).group(0)
    ConfirmPage(page, link).send()

    [to_mp] = mail_server.wait_for(1, timeout=15, to=MP_ADDRESS)
    [to_councillor] = mail_server.wait_for(1, timeout=15, to=COUNCILLOR)
    for sent in (to_mp, to_councillor):
        assert sent["Reply-To"].addresses[0].addr_spec == WRITER
        assert "The bins on our street were missed" in sent.text
        assert "Publish MPs' expenses in full" in sent.text  # the footer names the campaign
    assert "Dear Pat Quill," in to_councillor.text
    assert not mail_server.to(MINISTER)

    with site.app.app_context():
        letter_id = db.session.query(Letter.id).scalar()
        db.session.remove()
    assert site.wait_for_status(letter_id, LetterStatus.SENT) == LetterStatus.SENT
    assert wait_for_recipient(site, letter_id, "Pat Quill", RecipientStatus.SENT) == "sent"

    # Did they reply? A question for each person the letter reached.
    with site.app.app_context():
        assert ask_due(db.session.get(Letter, letter_id).sent_at + timedelta(days=30)) == 1
        db.session.remove()
    [question] = wait_for_subject(mail_server, WRITER, "reply to your letter")
    assert question["Subject"] == "Did Alice Able and Pat Quill reply to your letter?"
    page.goto(re.search(r"http://\S+/replied/\S+\?answer=not_yet", question.text).group(0))
    mp = page.get_by_role("group", name="Did Alice Able, your MP, reply?")
    mp.get_by_label("Yes, they replied").check()
    expect(page.get_by_role("group", name=re.compile("^Did Pat Quill")).get_by_label(
        "Not yet")).to_be_checked()  # the link's answer  # fmt: skip
    audit.check(page, "did they reply, about two people")
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("your answer is saved")
    with site.app.app_context():
        answers = {r.name: r.answer for r in db.session.get(Letter, letter_id).recipients}
        assert answers == {"Pat Quill": "not_yet"}
        db.session.remove()

    # The councillor's office opens the link in its letter: how letters
    # arrive, and a button that emails its own address a change link.
    page.goto(re.search(r"http://\S+/office/target/\S+", to_councillor.text).group(0))
    expect(page.get_by_role("heading", level=1)).to_contain_text("How your office receives")
    expect(page.get_by_text("For Pat Quill, Councillor for Testington East.")).to_be_visible()
    audit.check(page, "a target's office: digest choice")

    # The public map of where letters to the council came from.
    page.goto(f"{site.url}/c/mp-expenses/map?body=Testington District Council")
    expect(page.get_by_role("link", name="Testington District Council")).to_have_attribute(
        "aria-current", "page")  # fmt: skip
    audit.check(page, "map of letters to one body")

    # The councillor's address bounces, later: that recipient fails, the MP's
    # letter stands, and the writer is told which one.
    report = tmp_path / "bounce.eml"
    with site.app.app_context():
        report.write_bytes(sample("postfix_dsn.eml", outbox_id=recipient_row(
            site, letter_id, "Pat Quill"), recipient=COUNCILLOR))  # fmt: skip
        result = site.app.test_cli_runner().invoke(args=["bounces", "read", str(report)])
        assert result.exit_code == 0, result.output
        db.session.remove()
    assert wait_for_recipient(site, letter_id, "Pat Quill", RecipientStatus.FAILED) == "failed"
    [failed] = wait_for_subject(mail_server, WRITER, "could not deliver")
    assert failed["Subject"] == "We could not deliver your letter to Pat Quill"
    with site.app.app_context():
        assert db.session.get(Letter, letter_id).status == LetterStatus.SENT
        db.session.remove()
    audit.report()


def test_a_reader_of_a_partner_blog_chooses_their_targets_in_the_widget(
    site, blog, page, three_targets
):
    with site.app.app_context():  # the councillor marked a supporter, with a subject for them
        set_targets(demo_campaign().id, Settings(
            mp="offered", lists=("councillors", "ministers"), preselected=False,
            supporters=("councillors:quill",), variants=(Variant("supporter", "Thank you"),),
        ))  # fmt: skip
        db.session.remove()
    page.goto(f"{blog.url}/?widgets=1")
    widget = page.locator("#widget-main")
    widget.get_by_label("Your postcode").fill("TE1 1AA")
    widget.get_by_role("button", name="Find my MP").click()
    expect(widget.get_by_role("heading", name="Write your letter")).to_be_visible()
    who = widget.get_by_role("group", name="Who to write to")
    expect(who.get_by_role("checkbox")).to_have_count(3)
    widget.get_by_label("Your full name").fill("Rita Reader")
    widget.get_by_label("Your email address").fill("reader@example.com")
    widget.get_by_label("Address line 1").fill("3 Press Lane")
    widget.get_by_label("Town or city").fill("Testington")
    body = widget.get_by_label("Your message")
    body.fill(re.sub(r"\[[^\]]+\]", "The library closes on Saturdays now.", body.input_value()))
    page.wait_for_timeout(1100)
    widget.get_by_role("button", name="Preview your letter").click()
    # Nothing ticked: said on the group, and the first box has the focus.
    who = widget.get_by_role("group", name="Who to write to")
    expect(who).to_contain_text("Choose at least one person to write to.")
    expect(who.get_by_role("checkbox").first).to_be_focused()

    who.get_by_role("checkbox", name=re.compile("^Pat Quill")).check()
    widget.get_by_role("button", name="Preview your letter").click()
    expect(widget.get_by_role("heading", name="Check your letter")).to_be_focused()
    to = widget.locator(".letter .meta").first
    expect(to).to_have_text(
        "To: Pat Quill, Councillor for Testington East (Their subject: Thank you)"
    )
    widget.get_by_role("button", name="Send my letter").click()
    expect(widget.get_by_role("heading", name="Check your email")).to_be_visible()
    with site.app.app_context():
        letter = db.session.scalars(select(Letter)).one()
        assert not letter.to_mp
        assert [(r.name, r.subject) for r in letter.recipients] == [("Pat Quill", "Thank you")]
        assert letter.partner.slug == "test-blog"
        db.session.remove()
