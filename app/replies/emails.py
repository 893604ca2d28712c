"""The question email: did your MP (and the others written to) reply?"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.i18n import N_, gettext, site_name
from app.links import external_url
from app.outbox.mime import Email, new_email, person, render_email
from app.outbox.models import OutboxEmail
from app.replies.models import Answer, ReplyQuestion
from app.replies.questionnaire import people_asked_about, question_token, still_to_ask

SUBJECTS = {
    1: N_("Did %(mp)s reply to your letter?"),
    2: N_("Reminder: did %(mp)s reply to your letter?"),
    3: N_("Has %(mp)s replied yet?"),
}


def did_reply(row: OutboxEmail) -> Email | None:
    letter = row.letter
    assert letter is not None, f"outbox row {row.id} has no letter"
    question = db.session.scalar(select(ReplyQuestion).where(ReplyQuestion.letter_id == letter.id))
    if question is None or not still_to_ask(question) or letter.erased_at is not None:
        return None  # answered meanwhile, or the writer asked us to forget them
    token = question_token(letter.id)
    links = {a.value: external_url("public.did_reply", token=token, answer=a.value) for a in Answer}
    people = people_asked_about(letter)  # the MP, and any others the letter reached
    text = render_email(
        "did_reply/body.txt",
        letter=letter,
        people=people,
        campaign=letter.campaign,
        asks=question.asks,
        links=links,
        site_name=site_name(),
    )
    subject = gettext(SUBJECTS[min(question.asks, 3)], mp=people)
    return new_email(row, to=person(letter.sender_name, letter.sender_email), subject=subject,
                     text=text)  # fmt: skip
