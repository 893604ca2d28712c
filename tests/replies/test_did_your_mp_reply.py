"""Did your MP reply? The question, its reminder and its answers, with a real
SMTP server and a shifted clock; and the responsiveness figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.replies.models import Answer, ReplyQuestion
from app.replies.questionnaire import ask_due
from app.replies.responsiveness import responsiveness
from tests.builders.admins import signed_in_client
from tests.builders.letters import NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, fresh

DAY = timedelta(days=1)


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, QUESTIONNAIRE_AFTER_DAYS=14, **NO_MODERATION)
    with app.app_context():
        yield app


def delivered(email="jane@example.com", **changes) -> Letter:
    letter = confirmed_letter(email=email, **changes)
    deliver()  # the letter to the MP
    deliver()  # the writer's copy
    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT
    return letter


def asked(mail_server):
    """A delivered letter whose writer was just asked, and the question email."""
    letter = delivered()
    ask_due(letter.sent_at + 15 * DAY)
    deliver()
    [question] = questions_to(mail_server, "jane@example.com")
    return letter, question


def questions_to(mail_server, email: str) -> list:
    return [m for m in mail_server.to(email) if "repl" in m["Subject"]]


def link(mail, answer: str) -> str:
    found = re.search(rf"http://localhost(/replied/\S+\?answer={answer})\b", mail.text)
    return found.group(1)


def question_of(letter) -> ReplyQuestion:
    db.session.commit()
    return db.session.scalar(
        select(ReplyQuestion).where(ReplyQuestion.letter_id == letter.id)
        .execution_options(populate_existing=True)
    )  # fmt: skip


def test_asked_after_the_days_set_answered_by_post_only_and_changed(site, mail_server):
    letter = delivered()
    sent = letter.sent_at
    assert ask_due(sent + 13 * DAY) == 0
    assert ask_due(sent + 14 * DAY + timedelta(minutes=1)) == 1
    deliver()
    [question] = questions_to(mail_server, "jane@example.com")
    assert question["Subject"] == "Did Alice Able reply to your letter?"
    client = site.test_client()

    page = client.get(link(question, "yes"))  # a mail scanner follows the link
    assert page.status_code == 200
    assert 'id="answer-yes" name="answer" value="yes" checked' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert question_of(letter).answer is None  # following a link answers nothing

    path = link(question, "yes").split("?")[0]
    saved = client.post(path, data={"answer": "yes", "first_time": "yes"})
    assert "your answer is saved" in saved.get_data(as_text=True)
    asked = question_of(letter)
    assert (asked.answer, asked.first_time) == (Answer.YES, True)

    client.post(link(question, "yes"), data={"answer": "no"})  # changed from the same link
    asked = question_of(letter)
    assert (asked.answer, asked.first_time) == (Answer.NO, True)
    assert "the writer says: no" in fresh(letter).events[-1].detail
    assert ask_due(sent + 100 * DAY) == 0  # answered: nothing more is asked


def test_one_reminder_a_week_later_when_unanswered(site, mail_server):
    sent = delivered().sent_at
    ask_due(sent + 15 * DAY)
    deliver()
    assert ask_due(sent + 21 * DAY) == 0  # six days on
    assert ask_due(sent + 22 * DAY + timedelta(minutes=1)) == 1
    assert ask_due(sent + 90 * DAY) == 0  # one reminder, no more
    deliver()
    subjects = [m["Subject"] for m in questions_to(mail_server, "jane@example.com")]
    assert subjects == ["Did Alice Able reply to your letter?",
                        "Reminder: did Alice Able reply to your letter?"]  # fmt: skip


def test_not_yet_asks_once_more_two_weeks_later(site, mail_server):
    letter, question = asked(mail_server)
    site.test_client().post(link(question, "not_yet").split("?")[0], data={"answer": "not_yet"})
    answered = question_of(letter).answered_at
    assert ask_due(answered + 13 * DAY) == 0
    assert ask_due(answered + 14 * DAY + timedelta(minutes=1)) == 1
    assert ask_due(answered + 60 * DAY) == 0
    deliver()
    assert questions_to(mail_server, "jane@example.com")[-1]["Subject"] == (
        "Has Alice Able replied yet?"
    )


def test_a_question_answered_before_it_is_sent_is_not_sent(site, mail_server):
    letter = delivered()
    assert ask_due(letter.sent_at + 15 * DAY) == 1
    assert ask_due(letter.sent_at + 23 * DAY) == 1  # the reminder is queued...
    question = question_of(letter)
    question.answer = Answer.YES  # ...and the first email answered meanwhile
    db.session.commit()
    deliver()
    assert questions_to(mail_server, "jane@example.com") == []


def test_a_bad_link_or_no_answer_is_refused_clearly(site, mail_server):
    letter, question = asked(mail_server)
    client = site.test_client()
    assert client.get("/replied/forged-token").status_code == 404
    path = link(question, "yes").split("?")[0]
    refused = client.post(path, data={"answer": "maybe"})
    assert refused.status_code == 422
    assert "Choose an answer." in refused.get_data(as_text=True)
    assert question_of(letter).answer is None


def seed(letters_by_postcode: dict[str, list[str]]) -> None:
    """Delivered letters with these answers ("" for none), per postcode."""
    n = 0
    for postcode, answers in letters_by_postcode.items():
        for answer in answers:
            n += 1
            letter = confirmed_letter(email=f"w{n}@example.com", postcode=postcode)
            db.session.execute(update(Letter).where(Letter.id == letter.id).values(
                status=LetterStatus.SENT, sent_at=utcnow() - 20 * DAY))  # fmt: skip
            if answer:
                db.session.add(ReplyQuestion(
                    letter_id=letter.id, asks=1, last_asked_at=utcnow() - 6 * DAY,
                    answer=Answer(answer), answered_at=utcnow() - (20 - n % 5) * DAY + 2 * DAY))  # fmt: skip
    db.session.commit()


def test_responsiveness_shows_a_rate_only_from_five_answers(site):
    seed({
        "TE1 1AA": ["yes", "yes", "yes", "no", "not_yet", ""],  # Alice Able: 5 answers
        "TE2 2BB": ["yes", "yes", "yes", "yes"],  # Bob Baker: only 4
    })  # fmt: skip
    figures = responsiveness()
    alice, bob = (
        next(r for r in figures.mps if r.name == name) for name in ("Alice Able", "Bob Baker")
    )
    assert (alice.delivered, alice.answered, alice.replied) == (6, 5, 3)
    assert alice.rate == pytest.approx(0.6)
    assert alice.median_days is not None
    assert (bob.delivered, bob.answered, bob.rate, bob.median_days) == (4, 4, None, None)
    assert figures.total.rate == pytest.approx(7 / 9)
    labour = next(r for r in figures.parties if r.name == "Labour")
    assert labour.rate == pytest.approx(0.6)

    page = site.test_client().get("/c/mp-expenses/replies").get_data(as_text=True)
    alice_row = page.split('<th scope="row">Alice Able')[1].split("</tr>")[0]
    bob_row = page.split('<th scope="row">Bob Baker')[1].split("</tr>")[0]
    assert "60%" in alice_row
    assert "fewer than 5 answers" in bob_row
    assert "w1@example.com" not in page
    # The map: each MP's constituency, shaded only once enough writers answered.
    assert "(Alice Able): 60% of 5 writers say so" in page
    assert "(Bob Baker): 4 answers, fewer than needed" in page
    assert page.count("<polygon") == 650

    admin = signed_in_client(site)
    csv_text = admin.get("/admin/replies.csv").get_data(as_text=True)
    assert 'mp,Alice Able,"Testington North, Labour",6,5,3,0.6,' in csv_text
    assert 'mp,Bob Baker,"Testington South, Conservative",4,4,,,' in csv_text
    rows = admin.get("/admin/replies.json").get_json()
    assert {"level": "mp", "name": "Bob Baker"}.items() <= next(
        r for r in rows if r["name"] == "Bob Baker").items()  # fmt: skip
    assert next(r for r in rows if r["name"] == "Bob Baker")["reply_rate"] is None


def test_a_writers_answer_is_in_their_data_download(site, mail_server):
    from app.privacy.requests import export

    _, question = asked(mail_server)
    site.test_client().post(link(question, "no"), data={"answer": "no", "first_time": "no"})
    db.session.commit()
    [written] = export("jane@example.com")["letters"]
    assert written["did_your_mp_reply"]["answer"] == "no"
    assert written["did_your_mp_reply"]["first_time_writing"] is False


def test_the_follow_up_segments_pick_exactly_the_right_people(site):
    from app.alerts import segments
    from app.alerts.models import Segment, Subscriber
    from tests.builders.alerts import an_admin, new_alert, subscriber

    seed({"TE1 1AA": ["no", "no", "no", "not_yet", "yes", ""],  # Alice: 1 of 5 replied (20%)
          "TE2 2BB": ["yes", "yes", "yes", "yes", "no"]})  # Bob: 4 of 5 (80%)  # fmt: skip
    # Writers w1.. w11 wrote 20 days ago; subscribe some of them, and neighbours.
    for email, postcode in [("w1@example.com", "TE1 1AA"), ("w4@example.com", "TE1 1AA"),
                            ("w5@example.com", "TE1 1AA"), ("w6@example.com", "TE1 1AA"),
                            ("w11@example.com", "TE2 2BB"), ("alice-neighbour@example.com", "TE1 1AB"),
                            ("bob-neighbour@example.com", "TE2 2BB")]:  # fmt: skip
        subscriber(email, postcode=postcode)
    admin = an_admin()

    def picked(segment):
        ids = db.session.scalars(segments.segment_subscribers(new_alert(admin, segment))).all()
        return {db.session.get(Subscriber, i).email for i in ids}

    site.config["FOLLOW_UP_AFTER_DAYS"] = 14
    # Said no (w1, w11) or not yet (w4); w5 said yes, w6 never answered.
    assert picked(Segment.NO_REPLY) == {"w1@example.com", "w4@example.com", "w11@example.com"}
    site.config["FOLLOW_UP_AFTER_DAYS"] = 30  # their letters are only 20 days old
    assert picked(Segment.NO_REPLY) == set()
    # Alice's rate (20%) is under 25%: her constituents, whether they wrote or not.
    assert picked(Segment.LOW_REPLY_MP) == {"w1@example.com", "w4@example.com", "w5@example.com",
                                            "w6@example.com", "alice-neighbour@example.com"}  # fmt: skip


FOLLOW_UP = ("Dear {mp_name},\n\nI wrote to you on {sent_date} about MPs' expenses and have not "
             "had a reply. [Say why it still matters to you]\n\nYours sincerely,\n{constituent_name}")  # fmt: skip


def test_a_writer_whose_mp_did_not_reply_can_send_one_follow_up(site, mail_server):
    from tests.builders.letters import MP_ADDRESS, demo_campaign

    letter, question = asked(mail_server)
    client = site.test_client()
    path = link(question, "no").split("?")[0]
    without = client.post(path, data={"answer": "no"}).get_data(as_text=True)
    assert "Write a follow-up" not in without  # the campaign has no follow-up template yet
    demo_campaign().follow_up_template = FOLLOW_UP
    db.session.commit()
    saved = client.post(path, data={"answer": "no"}).get_data(as_text=True)
    assert "Write a follow-up" in saved

    form = client.get(path + "/follow-up").get_data(as_text=True)
    assert f"I wrote to you on {letter.sent_at.strftime('%-d %B %Y')}" in form
    assert "Re: Please publish MPs&#39; expenses" in form
    draft = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', form, re.S)[1]
    unchanged = client.post(path + "/follow-up", data={"subject": "Re: x", "body": draft})
    assert unchanged.status_code == 422
    assert "Please replace [Say why it still matters to you]" in unchanged.get_data(as_text=True)

    own = draft.replace("[Say why it still matters to you]", "My business still pays every penny.")
    sent = client.post(path + "/follow-up", data={"subject": "Re: expenses", "body": own})
    assert "on its way to Alice Able" in sent.get_data(as_text=True)
    deliver()
    letters_to_mp = mail_server.to(MP_ADDRESS)
    assert [m["Subject"] for m in letters_to_mp] == [letter.subject, "Re: expenses"]
    assert letters_to_mp[1]["Reply-To"].addresses[0].addr_spec == "jane@example.com"
    follow = db.session.scalar(select(Letter).where(Letter.follow_up_of_id == letter.id))
    assert fresh(follow).status == LetterStatus.SENT
    assert client.get(path + "/follow-up").status_code == 404  # one follow-up per letter


def test_a_welsh_writer_gets_the_follow_up_and_its_date_in_welsh(site, mail_server):
    from app.campaigns.models import CampaignText
    from app.i18n import long_date
    from tests.builders.letters import demo_campaign

    letter = delivered()
    db.session.get(Letter, letter.id).language = "cy"
    campaign = demo_campaign()
    campaign.follow_up_template = FOLLOW_UP
    campaign.texts["cy"] = CampaignText(language="cy", follow_up_template=(
        "Annwyl {mp_name},\n\nYsgrifennais atoch ar {sent_date} a "
        "heb gael ateb. [Pam mae'n dal yn bwysig]\n\n{constituent_name}"))  # fmt: skip
    db.session.commit()
    ask_due(letter.sent_at + 15 * DAY)
    deliver()
    question = mail_server.to("jane@example.com")[-1]  # asked in Welsh
    path = link(question, "no").split("?")[0]
    client = site.test_client()
    client.post(path, data={"answer": "no"})
    form = client.get(path + "/follow-up").get_data(as_text=True)
    welsh_date = long_date(letter.sent_at, "cy")
    assert welsh_date != long_date(letter.sent_at, "en")  # the month is named in Welsh
    assert f"Ysgrifennais atoch ar {welsh_date}" in form
    assert "I wrote to you" not in form
