"""Alerts to people whose councillor has not heard: each subscriber placed
in their council, county and ward, and the campaign's local targets that no
letter has reached yet."""

from __future__ import annotations

from sqlalchemy import update

from app.alerts import segments
from app.alerts.models import Segment, Subscriber
from app.alerts.places import place_unplaced
from app.extensions import db
from app.letters.models import Attribution, Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.targets.placing import offer_for
from tests.builders.alerts import an_admin, new_alert, subscriber
from tests.builders.letters import NO_MODERATION, demo_campaign, draft
from tests.builders.outbox import deliver
from tests.builders.targets import targeted_campaign


def picked(admin) -> set[str]:
    alert = new_alert(admin, Segment.TARGET_NOT_HEARD)
    ids = db.session.scalars(segments.segment_subscribers(alert)).all()
    assert segments.segment_count(alert) == len(ids)
    return {db.session.get(Subscriber, i).email for i in ids}


def test_subscribers_are_placed_when_they_sign_up_or_by_the_job(app):
    placed = subscriber("placed@example.com", postcode="TE1 1AA")
    assert (placed.council_code, placed.county_code, placed.ward_code) == (
        "E07999901", "E10999901", "E05999901")  # fmt: skip
    # One from before areas were kept: the worker's job places it.
    db.session.execute(update(Subscriber).where(Subscriber.id == placed.id).values(
        council_code=None, county_code=None, ward_code=None, placed_at=None))  # fmt: skip
    db.session.commit()
    assert place_unplaced() == 1
    assert place_unplaced() == 0  # nothing more to do: one cheap read
    placed = db.session.get(Subscriber, placed.id)
    db.session.refresh(placed)
    assert placed.council_code == "E07999901"
    assert placed.placed_at is not None


def test_the_segment_is_people_whose_local_target_has_not_heard(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        admin = an_admin()
        campaign = targeted_campaign(demo_campaign())
        subscriber("district-one@example.com", postcode="TE1 1AA")  # quill, vale; county moss
        subscriber("district-two@example.com", postcode="TE2 2BB")  # reed; county moss
        subscriber("wales@example.com", postcode="CF1 1AA")  # no local target: the minister only
        subscriber("nowhere@example.com")  # no postcode
        assert picked(admin) == {"district-one@example.com", "district-two@example.com"}

        # A letter reaches district one's councillors and the county's: its
        # people's targets have all heard; district two's councillor has not.
        offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
        letter_id = submit_letter(
            campaign=campaign, draft=draft(email="writer@example.com"), attribution=Attribution(),
            submission_key="k" * 32, to_mp=True,
            target_ids=[t.id for t in offer.targets if t.ref in ("quill", "vale", "moss")],
        )  # fmt: skip
        deliver()
        confirm_letter(confirmation_token(db.session.get(Letter, letter_id)))
        deliver()
        assert db.session.get(Letter, letter_id).status == LetterStatus.SENT
        assert picked(admin) == {"district-two@example.com"}
