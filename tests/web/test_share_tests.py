"""A/B tests of a campaign's share message: writers given one each, the
winner by letters their links brought, then everyone given it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote_plus

from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.letters.models import Attribution, Source
from app.sharing.models import ShareTest
from app.sharing.variants import current_test, decide_share_tests, figures, share_message
from tests.builders.admins import sign_in
from tests.builders.letters import NO_MODERATION, confirmed_letter, demo_campaign

MESSAGE_B = "I wrote to my MP in five minutes. Will you write to yours?"


def test_the_message_that_brings_letters_wins_and_everyone_gets_it(make_app, make_admin):
    app = make_app(**NO_MODERATION)
    with app.app_context():
        admin, secret = make_admin()
        client = app.test_client()
        sign_in(client, admin.email, secret)
        campaign = demo_campaign()
        refused = client.post(f"/admin/campaigns/{campaign.id}/share-test",
                              data={"text_b": "", "hours": "48"})  # fmt: skip
        assert refused.status_code == 422
        assert "Write message B" in refused.get_data(as_text=True)
        started = client.post(f"/admin/campaigns/{campaign.id}/share-test",
                              data={"text_b": MESSAGE_B, "hours": "48"})  # fmt: skip
        assert started.status_code == 303
        again = client.post(f"/admin/campaigns/{campaign.id}/share-test",
                            data={"text_b": "Another", "hours": "48"})  # fmt: skip
        assert "A test is already running" in again.get_data(as_text=True)

        writers = [confirmed_letter(email=f"writer{n}@example.com", name=f"Writer {n}")
                   for n in range(40)]  # fmt: skip
        given = {w.id: share_message(w, campaign) for w in writers}
        assert set(given.values()) == {campaign.share_text, MESSAGE_B}
        on_b = [w for w in writers if given[w.id] == MESSAGE_B]
        assert len(on_b) == 20  # in turn, by letter
        # B's writers each bring a friend; A's bring nobody.
        for n, writer in enumerate(on_b):
            confirmed_letter(email=f"friend{n}@example.com", name=f"Friend {n}",
                             attribution=Attribution(Source.SHARE, referred_by_id=writer.id))  # fmt: skip
        # The share button posts the writer's message.
        shared = client.get(f"/share/{on_b[0].share_code}/x")
        assert MESSAGE_B in unquote_plus(shared.headers["Location"])

        test = current_test(campaign.id)
        assert decide_share_tests() == 0  # not before its hours are up
        # 48 hours on (the test moved back, so the letters keep their times).
        db.session.execute(update(ShareTest).where(ShareTest.id == test.id)
                           .values(started_at=test.started_at - timedelta(hours=49)))  # fmt: skip
        db.session.commit()
        assert decide_share_tests() == 1
        db.session.commit()
        test = db.session.get(ShareTest, test.id)
        db.session.refresh(test)
        assert test.winner == "B"
        assert test.decision.startswith("B is a clear winner")
        by_label = {v.label: v for v in figures(test)}
        # The friends wrote during the test too: each was given a message in turn.
        assert (by_label["A"].shown, by_label["B"].shown) == (30, 30)
        assert (by_label["A"].letters, by_label["B"].letters) == (0, 20)
        assert by_label["B"].clicked == 1

        late = confirmed_letter(email="late@example.com", name="Late Writer")
        assert share_message(late, campaign) == MESSAGE_B  # everyone, from now
        report = client.get(f"/admin/campaigns/{campaign.id}/share-test").get_data(as_text=True)
        assert "The last test: B won" in report
        assert MESSAGE_B in report


def test_a_writer_in_another_language_keeps_their_campaigns_message(make_app):
    app = make_app(**NO_MODERATION)
    with app.app_context():
        campaign = demo_campaign()
        db.session.add(ShareTest(campaign_id=campaign.id, text_b=MESSAGE_B, hours=1,
                                 started_at=utcnow() - timedelta(minutes=1)))  # fmt: skip
        db.session.commit()
        letter = confirmed_letter()
        letter.language = "cy"
        assert share_message(letter, campaign) == campaign.share_text
        assert db.session.scalar(select(ShareTest.winner)) is None
