"""Alerts to people whose councillor has not heard: each subscriber placed
in their council, county and ward, and the campaign's local targets that no
letter has reached yet."""

from __future__ import annotations

from sqlalchemy import select, update

from app.alerts import segments
from app.alerts.models import Segment, Subscriber
from app.alerts.places import place_unplaced
from app.extensions import db
from app.letters.models import Attribution, Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.reference.areas import newest_load
from app.reference.data_load import apply_reference_data, read_reference_data
from app.targets.placing import offer_for
from tests.builders.alerts import an_admin, new_alert, subscriber
from tests.builders.letters import NO_MODERATION, demo_campaign, draft
from tests.builders.outbox import deliver
from tests.builders.reference_data import AREAS, write_dataset
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
        council_code=None, county_code=None, ward_code=None, placed_with=None))  # fmt: skip
    db.session.commit()
    assert place_unplaced() == 1
    assert place_unplaced() == 0  # nothing more to do: one cheap read
    placed = db.session.get(Subscriber, placed.id)
    db.session.refresh(placed)
    assert placed.council_code == "E07999901"
    assert placed.placed_with is not None


def moved_ward(tmp_path, name: str):
    """The reference data again, with TE1 1AA moved to another ward (as a
    Code-Point release moves postcodes at a boundary review)."""
    areas = {**AREAS, "TE1 1AA": ("E92000001", "E10999901", "E07999901", "E05999902")}
    return read_reference_data(write_dataset(tmp_path / name, areas=areas))


def test_a_new_data_load_has_everyone_placed_again_with_it(app, tmp_path):
    placed = subscriber("moved@example.com", postcode="TE1 1AA")
    unmoved = subscriber("unmoved@example.com", postcode="TE2 2BB")
    assert placed.ward_code == "E05999901"
    apply_reference_data(moved_ward(tmp_path, "v2"))
    assert place_unplaced() == 2  # each placed with older data
    assert place_unplaced() == 0
    db.session.expire_all()
    assert db.session.get(Subscriber, placed.id).ward_code == "E05999902"
    assert db.session.get(Subscriber, unmoved.id).ward_code == "E05999903"
    assert db.session.get(Subscriber, placed.id).placed_with == newest_load()


def test_one_placed_with_a_copy_from_before_a_load_is_placed_again(make_app, tmp_path):
    stale, fresh = make_app(REFERENCE_REFRESH_SECONDS=3600), make_app()
    with stale.app_context():
        subscriber("early@example.com", postcode="TE1 1AA")  # its copy of the data now held
    with fresh.app_context():
        apply_reference_data(moved_ward(tmp_path, "v2"))
    with stale.app_context():
        # Signs up on a process that has not seen the load yet: placed with
        # the old ward, which the job must not leave standing.
        late = subscriber("late@example.com", postcode="TE1 1AA")
        assert late.ward_code == "E05999901"
        assert place_unplaced() == 0  # this process waits for its copy to refresh
    with fresh.app_context():
        assert place_unplaced() == 2
        wards = db.session.scalars(select(Subscriber.ward_code)).all()
        assert wards == ["E05999902", "E05999902"]


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
