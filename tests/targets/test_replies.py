"""Did they reply? A letter to several people asks about each one it reached,
and each body's responsiveness is counted apart from MPs'."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.replies.models import Answer
from app.replies.questionnaire import ask_due
from app.replies.responsiveness import responsiveness
from tests.builders.letters import NO_MODERATION, demo_campaign
from tests.builders.outbox import deliver, fresh
from tests.builders.targets import targeted_campaign
from tests.replies.test_did_your_mp_reply import link, question_of, questions_to
from tests.targets.test_delivery import WRITER, write

DAY = timedelta(days=1)


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, QUESTIONNAIRE_AFTER_DAYS=14,
                   REPLY_RATE_MIN_ANSWERS=1, **NO_MODERATION)  # fmt: skip
    with app.app_context():
        yield app


def asked(mail_server, refs, *, to_mp):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, refs, to_mp=to_mp)
    deliver()
    deliver()
    letter = fresh(letter)
    assert ask_due(letter.sent_at + 15 * DAY) == 1
    deliver()
    [question] = questions_to(mail_server, WRITER)
    return letter, question


def test_the_writer_is_asked_about_each_person_their_letter_reached(site, mail_server):
    letter, question = asked(mail_server, ["quill", "minister"], to_mp=True)
    assert (
        question["Subject"] == "Did Alice Able, Pat Quill and Morgan Example reply to your letter?"
    )
    client = site.test_client()
    page = client.get(link(question, "not_yet"))
    text = page.get_data(as_text=True)
    quill, minister = sorted(fresh(letter).recipients, key=lambda r: r.position)
    assert "Did Alice Able, your MP, reply?" in text
    assert "Did Pat Quill (Councillor for Testington East) reply?" in text
    assert text.count('value="not_yet" checked') == 3  # the link's answer, for each
    path = link(question, "yes").split("?")[0]

    # Each one must be answered; the errors are tied to their own questions.
    partly = client.post(path, data={"answer": "yes", f"answer-{quill.id}": "no"})
    assert partly.status_code == 422
    text = partly.get_data(as_text=True)
    assert f'href="#answer-{minister.id}-yes"' in text
    assert f'id="answer-{minister.id}-error"' in text
    assert question_of(letter).answer is None

    saved = client.post(path, data={"answer": "yes", f"answer-{quill.id}": "no",
                                    f"answer-{minister.id}": "not_yet"})  # fmt: skip
    assert saved.status_code == 200
    assert question_of(letter).answer == Answer.YES  # the MP's
    answers = {r.name: r.answer for r in fresh(letter).recipients}
    assert answers == {"Pat Quill": "no", "Morgan Example": "not_yet"}
    figures = responsiveness(demo_campaign().id)
    assert (figures.total.delivered, figures.total.replied) == (1, 1)
    bodies = {row.name: (row.delivered, row.answered, row.replied) for row in figures.bodies}
    assert bodies == {"Testington District Council": (1, 1, 0),
                      "Department of Examples": (1, 1, 0)}  # fmt: skip


def test_a_letter_not_to_the_mp_asks_only_about_its_recipients(site, mail_server):
    campaign = demo_campaign()
    campaign.follow_up_template = "Dear {mp_name}, I wrote on {sent_date}."
    letter, question = asked(mail_server, ["quill"], to_mp=False)
    assert question["Subject"] == "Did Pat Quill reply to your letter?"
    assert "Alice Able" not in question.text
    client = site.test_client()
    path = link(question, "yes").split("?")[0]
    text = client.get(path).get_data(as_text=True)
    assert "Alice Able" not in text
    assert "Did they reply?" in text  # one person: the plain question
    [quill] = fresh(letter).recipients
    saved = client.post(path, data={f"answer-{quill.id}": "no"})
    assert saved.status_code == 200
    assert "Write a follow-up" not in saved.get_data(as_text=True)  # that goes to the MP
    assert question_of(letter).answer == Answer.NO  # all its recipients have answered
    figures = responsiveness(campaign.id)
    assert figures.total.delivered == 0  # the MP had no letter: not counted against them
    [body] = figures.bodies
    assert (body.name, body.delivered, body.answered, body.rate) == (
        "Testington District Council", 1, 1, 0.0)  # fmt: skip
    public = site.test_client().get("/c/mp-expenses/replies").get_data(as_text=True)
    assert "The others written to" in public
    assert "Testington District Council" in public
