"""A letter written only to others than the writer's MP is never the MP's:
not in the office's daily digest, not held by a dissolution, not counted as
the MP hearing from a constituent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.alerts import segments
from app.alerts.models import Segment, Subscriber
from app.db import utcnow
from app.extensions import db
from app.letters.models import LetterStatus, RecipientStatus
from app.offices.digests import send_digests
from app.offices.models import OfficeDigest
from app.parliament import dissolution
from tests.builders.alerts import an_admin, new_alert, subscriber
from tests.builders.letters import MP_ADDRESS, demo_campaign
from tests.builders.outbox import deliver, fresh
from tests.builders.targets import COUNCILLOR, targeted_campaign
from tests.targets.test_delivery import write


def councillor_only(campaign):
    letter = write(campaign, ["quill"], to_mp=False)
    deliver()
    deliver()
    return fresh(letter)


def test_it_is_never_in_the_mps_daily_digest(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    mp_id = write(campaign, [], to_mp=True, email="first@example.com").mp_id
    deliver()
    db.session.add(OfficeDigest(mp_id=mp_id, campaign_id=campaign.id, active=True))
    db.session.commit()
    before = len(mail_server.to(MP_ADDRESS))
    letter = write(campaign, ["quill"], to_mp=False)  # confirmed: queued for the councillor
    assert send_digests(utcnow() + timedelta(hours=25)) == 0  # nothing gathered for the MP
    deliver()
    deliver()
    letter = fresh(letter)
    assert len(mail_server.to(MP_ADDRESS)) == before  # the MP hears nothing of it
    assert letter.status == LetterStatus.SENT
    assert len(mail_server.to(COUNCILLOR)) == 1


def test_a_dissolution_does_not_hold_it(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    today = utcnow().date()
    dissolution.dissolve(an_admin(), today, today + timedelta(days=36))
    letter = write(campaign, ["quill"], to_mp=False)
    assert dissolution.hold_queued() == 0  # queued for the councillor: not held
    deliver()
    deliver()
    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT
    assert [r.status for r in letter.recipients] == [RecipientStatus.SENT]
    assert not [m for m in mail_server.to("jane@example.com") if "new Parliament" in m["Subject"]]


@pytest.mark.parametrize("segment", [Segment.MP_NOT_HEARD])
def test_the_mp_has_not_heard_from_a_letter_not_to_them(site, mail_server, segment):
    campaign = targeted_campaign(demo_campaign())
    subscriber("neighbour@example.com", postcode="TE1 1AB")  # the writer's constituency
    councillor_only(campaign)
    ids = db.session.scalars(segments.segment_subscribers(new_alert(an_admin(), segment))).all()
    assert [db.session.get(Subscriber, i).email for i in ids] == ["neighbour@example.com"]
