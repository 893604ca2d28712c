"""Moderation: what is held, and what is not, on the constituent's own words."""

from __future__ import annotations

import pytest

from app.letters.models import LetterStatus
from app.letters.moderation import jaccard
from app.letters.own_words import shingles, words
from app.letters.submission import confirm_letter, confirmation_token
from app.letters.suggested import suggested_letter
from app.reference.representatives import find_mp
from tests.builders.letters import PERSONAL_BODY, demo_campaign, submit

OTHER_BODY = (
    "Dear Alice Able,\n\nMy daughter is a nurse who was told there is no money for more staff on "
    "her ward. Meanwhile claims for second homes go unexamined. Please publish every claim so "
    "we can all see where the money goes.\n\nRegards,\nOmar Osei"
)


def confirm(**draft):
    letter = submit(**draft)
    return confirm_letter(confirmation_token(letter))


def with_own_words(own: str, name: str = "Jane Smith") -> str:
    """The demo template, filled in, with the bracketed instruction replaced by `own` words."""
    _, body = suggested_letter(demo_campaign(), find_mp("TE1 1AA").seat, name)
    return body.replace("[Say in your own words why this matters to you]", own)


def test_different_letters_are_not_held(app):
    assert confirm().status == LetterStatus.QUEUED
    assert (
        confirm(email="omar@example.com", name="Omar Osei", body=OTHER_BODY).status
        == LetterStatus.QUEUED
    )


def test_a_near_copy_of_another_letter_is_held_with_its_match(app):
    first = confirm()
    copy = PERSONAL_BODY.replace("small business", "little business").replace(
        "Jane Smith", "Bob Jones"
    )
    held = confirm(email="bob@example.com", name="Bob Jones", body=copy)
    assert held.status == LetterStatus.HELD
    assert held.similar_to_id == first.id
    assert "similar to letter" in held.hold_reason


def test_the_shared_template_does_not_make_letters_alike(app):
    own_a = ("I am a retired teacher and I have always believed public servants owe the "
             "public a full account of every pound they spend on our behalf.")  # fmt: skip
    own_b = ("As a farmer on a tight margin, I keep receipts for everything; our MPs should "
             "be held to the same standard, with claims online where anyone can read them.")  # fmt: skip
    assert confirm(body=with_own_words(own_a)).status == LetterStatus.QUEUED
    second = confirm(
        email="b@example.com", name="Ben Farmer", body=with_own_words(own_b, "Ben Farmer")
    )
    assert second.status == LetterStatus.QUEUED


def test_the_same_own_words_inside_the_template_are_caught(app):
    own = ("I am a retired teacher and I have always believed public servants owe the public "
           "a full account of every pound they spend on our behalf.")  # fmt: skip
    confirm(body=with_own_words(own))
    copied = confirm(email="b@example.com", name="Ben Copy", body=with_own_words(own, "Ben Copy"))
    assert copied.status == LetterStatus.HELD


def test_a_template_with_a_word_or_two_changed_is_held(app):
    held = confirm(body=with_own_words("It matters."))
    assert held.status == LetterStatus.HELD
    assert "differ from the campaign's template" in held.hold_reason


def test_writing_to_yourself_is_held(app):
    held = confirm(email="alice.able.mp@parliament.uk", name="Alice Able")
    assert held.status == LetterStatus.HELD
    assert held.hold_reason == "the sender's address is the MP's own"


def test_threats_are_held(app):
    body = PERSONAL_BODY + "\nI know where you live."
    held = confirm(body=body)
    assert held.status == LetterStatus.HELD
    assert "threat" in held.hold_reason


def test_many_letters_from_one_address_in_a_day_are_held(make_app):
    from app.campaigns.models import Campaign
    from app.extensions import db

    app = make_app(MODERATION_MAX_PER_EMAIL_PER_DAY=1)
    with app.app_context():
        db.session.add(
            Campaign(slug="second", title="Second", status="live", body_template="Dear {mp_name}")
        )
        db.session.commit()
        confirm()
        second = submit(
            campaign=db.session.query(Campaign).filter_by(slug="second").one(), body=OTHER_BODY
        )
        second = confirm_letter(confirmation_token(second))
        assert second.status == LetterStatus.HELD
        assert "from one address in a day" in second.hold_reason


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("the cat sat on the mat today", "the cat sat on the mat today", 1.0),
     ("one two three four five", "six seven eight nine ten", 0.0)],
)  # fmt: skip
def test_jaccard_of_shingles(a, b, expected):
    assert jaccard(shingles(words(a)), shingles(words(b))) == expected


def test_names_do_not_count_as_differences():
    a = shingles(words("Dear Alice Able, I live in Testington", ("Alice Able", "Testington")))
    b = shingles(words("Dear Bob Baker, I live in Southby", ("Bob Baker", "Southby")))
    assert a == b
