"""A/B tests of the share message: which writers see which, and which won.

While a campaign's test runs, each writer who confirms a letter (in the
campaign's own language, whose message the test varies) is given one of
the messages, A being the campaign's: the letter's id and the test's pick
it, so every process agrees and nothing is stored per writer. After the
test's hours, `decide_share_tests` (a worker job) gives everyone the one
whose writers brought the most letters each through their share links,
and says how sure that is (app/ab.py). Shares pressed are shown beside it
but do not decide.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.ab import VariantFigures, decide
from app.accounts import audit
from app.campaigns.models import Campaign
from app.db import utcnow, write_transaction
from app.extensions import db
from app.i18n import SOURCE
from app.letters.models import Letter
from app.sharing.models import ShareEvent, ShareKind, ShareTest


class ShareTestInvalid(ValueError):
    """A test the site will not start; `fields` says why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def current_test(campaign_id: int) -> ShareTest | None:
    """The campaign's latest test, running or decided."""
    return db.session.scalar(
        select(ShareTest).where(ShareTest.campaign_id == campaign_id).order_by(ShareTest.id.desc())
    )


def start_test(campaign: Campaign, texts: dict[str, str], hours: int, admin=None) -> ShareTest:
    written = {label: text.strip() for label, text in texts.items() if text.strip()}
    problems = {}
    if "B" not in written:
        problems["text_b"] = "Write message B, to compare with the campaign's own (A)."
    if any(len(text) > 280 for text in written.values()):
        problems["text_b"] = "A message is 280 characters at most."
    if not 1 <= hours <= 24 * 28:
        problems["hours"] = "Choose between 1 hour and 4 weeks (672 hours)."
    running = current_test(campaign.id)
    if running is not None and running.decided_at is None:
        problems["text_b"] = "A test is already running for this campaign."
    if problems:
        raise ShareTestInvalid(problems)
    with write_transaction() as session:
        test = ShareTest(
            campaign_id=campaign.id, text_b=written["B"], text_c=written.get("C", ""),
            text_d=written.get("D", ""), hours=hours,
        )  # fmt: skip
        session.add(test)
        session.flush()
        audit.record(admin, "share_test.started", "campaign", campaign.id, f"{hours} hours")
    return test


def _labels(test: ShareTest) -> tuple[str, ...]:
    return ("A", *test.texts)


def _label_of(letter_id, test: ShareTest):
    """The label's index for a letter (an id or a column): by id, in turn."""
    return (letter_id + test.id) % len(_labels(test))


def _in_test(test: ShareTest):
    """The letters whose writers the test gave a message: confirmed while it
    ran, in the campaign's own language."""
    window = [Letter.campaign_id == test.campaign_id, Letter.language == SOURCE,
              Letter.confirmed_at >= test.started_at]  # fmt: skip
    if test.decided_at is not None:
        window.append(Letter.confirmed_at < test.decided_at)
    return window


def share_message(letter: Letter, campaign) -> str:
    """The message a writer's share buttons post: the campaign's (in their
    language), the test's for them while one runs, the winner's after."""
    if letter.language != SOURCE:
        return campaign.share_text
    test = current_test(letter.campaign_id)
    if test is None or letter.confirmed_at is None or letter.confirmed_at < test.started_at:
        return campaign.share_text
    if test.decided_at is not None and letter.confirmed_at >= test.decided_at:
        return test.winner_text or campaign.share_text
    label = _labels(test)[_label_of(letter.id, test)]
    return test.texts.get(label, campaign.share_text)


def figures(test: ShareTest) -> list[VariantFigures]:
    """Each message's writers, shares pressed and letters their links brought."""
    label = _label_of(Letter.id, test)
    counted = select(label, func.count()).group_by(label)
    writers = _by_label(counted.where(*_in_test(test)))
    shares = _by_label(
        counted.join(ShareEvent, ShareEvent.letter_id == Letter.id)
        .where(*_in_test(test), ShareEvent.kind == ShareKind.SHARE)
    )  # fmt: skip
    brought = aliased(Letter)
    letters = _by_label(
        counted.join(brought, brought.referred_by_id == Letter.id)
        .where(*_in_test(test), brought.confirmed_at.is_not(None))
    )  # fmt: skip
    campaign = db.session.get_one(Campaign, test.campaign_id)
    texts = {"A": campaign.share_text, **test.texts}
    return [
        VariantFigures(name, texts[name], writers.get(index, 0), shares.get(index, 0),
                       letters.get(index, 0))
        for index, name in enumerate(_labels(test))
    ]  # fmt: skip


def _by_label(query) -> dict[int, int]:
    return {index: count for index, count in db.session.execute(query).all()}


def decide_share_tests(now=None) -> int:
    """The worker's job: tests whose hours are up give everyone their winner."""
    now = now or utcnow()
    running = db.session.scalars(select(ShareTest.id).where(ShareTest.decided_at.is_(None))).all()
    decided = 0
    for test_id in running:
        with write_transaction() as session:
            test = session.get_one(ShareTest, test_id, with_for_update=True, populate_existing=True)
            if test.decided_at is not None or now < test.started_at + timedelta(hours=test.hours):
                continue
            found = figures(test)
            decision = decide(found, shown="writers", then="Everyone is given {} from now")
            test.winner = decision.winner
            test.winner_text = next(v.text for v in found if v.label == decision.winner)
            test.decision = decision.words
            test.decided_at = now
            decided += 1
    return decided
