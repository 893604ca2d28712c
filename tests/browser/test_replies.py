"""Did your MP reply, in a browser: from the question in the mail to a saved,
then changed, answer."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.replies.models import Answer, ReplyQuestion
from app.replies.questionnaire import ask_due
from tests.builders.letters import MP_ADDRESS, confirmed_letter

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def answer_of(app, letter_id: int):
    with app.app_context():
        answer = db.session.scalar(
            select(ReplyQuestion.answer).where(ReplyQuestion.letter_id == letter_id)
        )
        db.session.remove()
    return answer


def test_a_writer_answers_from_the_email_and_changes_their_answer(site, inbox, page, mail_server):
    with site.app.app_context():
        letter_id = confirmed_letter().id
        db.session.remove()
    mail_server.wait_for(1, 15, to=MP_ADDRESS)  # the background worker delivered it
    deadline = time.monotonic() + 15
    with site.app.app_context():
        while not ask_due() and time.monotonic() < deadline:  # once "sent" is recorded
            time.sleep(0.1)
        db.session.remove()
    deadline = time.monotonic() + 15
    while (
        not (
            questions := [m for m in mail_server.to("jane@example.com") if "reply" in m["Subject"]]
        )
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)  # fmt: skip
    assert len(questions) == 1
    page.goto(inbox.url)  # the mail catcher, as a writer's inbox
    page.get_by_role("link", name="Did Alice Able reply to your letter?").click()
    page.locator("a[href*='/replied/'][href$='answer=yes']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Did Alice Able reply to your letter?"
    )
    expect(page.get_by_label("Yes, they replied")).to_be_checked()
    assert answer_of(site.app, letter_id) is None  # opening the link answers nothing
    page.get_by_label("Yes, the first time").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("your answer is saved")
    assert answer_of(site.app, letter_id) == Answer.YES

    page.get_by_label("Not yet").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("ask once more")
    assert answer_of(site.app, letter_id) == Answer.NOT_YET
