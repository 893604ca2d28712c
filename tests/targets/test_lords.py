"""The House of Lords' rule: at most six identical letters of a campaign to
its members, near-identical ones counted too; and peers offered at random."""

from __future__ import annotations

import secrets
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.letters.identical import too_many_identical
from app.letters.models import Attribution, Letter, LetterStatus
from app.letters.submission import (
    LetterProblem,
    confirm_letter,
    confirmation_token,
    submit_letter,
)
from app.targets.campaigns import Settings, set_targets
from app.targets.lists import load_list
from app.targets.models import HOUSE_OF_LORDS
from app.targets.placing import offer_for, tick_value
from tests.builders.admins import signed_in_client
from tests.builders.letters import NO_MODERATION, demo_campaign, draft
from tests.builders.targets import list_csv
from tests.targets.test_site import WRITE, letter_form

# Fictional peers (made up for tests), with no area: the writer chooses.
PEERS = [
    {"ref": f"peer-{n}", "name": f"Baroness Example {n}", "role": "Member of the House of Lords",
     "body": "House of Lords", "email": f"example{n}@lords.example", "postal_address": "",
     "area_type": "none", "area_code": ""}
    for n in range(1, 13)
]  # fmt: skip
SAME = (
    "I am writing to ask you to support the amendment on publishing expenses in full. "
    "Openness about how public money is spent is the foundation of trust in Parliament, "
    "and the amendment would make every claim public within a month. Please vote for it."
)


@pytest.fixture
def site(make_app):
    app = make_app(**NO_MODERATION)
    with app.app_context():
        yield app


@pytest.fixture
def lords_campaign(site):
    campaign = demo_campaign()
    load_list("lords", list_csv(PEERS), name="The House of Lords", most_identical=HOUSE_OF_LORDS)
    set_targets(campaign.id, Settings(mp="never", lists=("lords",), offer_at_random=4))
    return campaign


def write(campaign, n: int, body: str, *, confirm: bool = True) -> Letter:
    offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
    letter_id = submit_letter(
        campaign=campaign, attribution=Attribution(), submission_key=secrets.token_hex(16),
        draft=draft(name=f"Writer {n}", email=f"writer{n}@example.com",
                    body=f"Dear Baroness,\n\n{body}\n\nYours,\nWriter {n}"),
        to_mp=False, target_ids=[offer.targets[0].id],
    )  # fmt: skip
    letter = db.session.get(Letter, letter_id)
    if confirm:
        confirm_letter(confirmation_token(letter))
    return letter


def test_the_seventh_identical_letter_is_refused_with_the_reason(lords_campaign):
    for n in range(HOUSE_OF_LORDS):
        # Near-identical counts too: one word changed in a long letter.
        body = SAME if n % 2 else SAME.replace("Please vote for it.", "Do vote for it.")
        assert write(lords_campaign, n, body).status == LetterStatus.QUEUED
    with pytest.raises(LetterProblem) as refused:
        write(lords_campaign, 7, SAME)
    explained = refused.value.fields["body"]
    assert explained.startswith("The House of Lords ask campaigns to send no more than 6 identical")
    assert "Please put it in your own words" in explained
    # A letter in the writer's own words still goes.
    own = (
        "My mother was a nurse for forty years and never claimed a penny she did not spend on "
        "her patients. I would like the same standard from those who make our laws, and I hope "
        "you will vote for the amendment so that every claim is published."
    )
    assert write(lords_campaign, 8, own).status == LetterStatus.QUEUED


def test_a_burst_confirmed_at_once_is_held_past_the_limit(site, lords_campaign):
    pending = [write(lords_campaign, n, SAME, confirm=False) for n in range(HOUSE_OF_LORDS + 1)]
    for letter in pending:
        confirm_letter(confirmation_token(letter))
    statuses = [db.session.get(Letter, letter.id).status for letter in pending]
    assert statuses == [LetterStatus.QUEUED] * HOUSE_OF_LORDS + [LetterStatus.HELD]
    held = db.session.get(Letter, pending[-1].id)
    assert held.hold_reason == "more identical letters to one target list than it allows"
    # The moderator sees who it is to: the peer, not the writer's MP.
    queue = signed_in_client(site).get("/admin/moderation").get_data(as_text=True)
    peer = held.recipients[0].name
    assert f"Letter {held.id}</a> to {peer} (Testington North)" in queue


def test_peers_are_offered_at_random_the_same_for_the_same_postcode(lords_campaign):
    first = [t.ref for t in offer_for(lords_campaign.id, "TE1 1AA", "E14001063").targets]
    assert len(first) == 4
    assert first == [t.ref for t in offer_for(lords_campaign.id, "te1 1aa", "E14001063").targets]
    others = {
        tuple(t.ref for t in offer_for(lords_campaign.id, postcode, "E14001064").targets)
        for postcode in ("TE2 2BB", "SO1 1AA", "CF1 1AA", "G1 1AA", "TE1 0AA")
    }
    assert len(others | {tuple(first)}) > 1  # another postcode, another draw


def test_on_the_site_the_seventh_is_refused_when_sent_with_the_reason_on_its_field(
    site, lords_campaign
):
    for n in range(HOUSE_OF_LORDS):
        write(lords_campaign, n, SAME)
    peer = offer_for(lords_campaign.id, "TE1 1AA", "E14001063").targets[0]
    form = letter_form(targets=[tick_value(peer)], email="seventh@example.com",
                       body=f"Dear Baroness,\n\n{SAME}\n\nYours,\nWriter 7")  # fmt: skip
    client = site.test_client()
    assert client.post(WRITE, data=form).status_code == 200  # the preview: not compared yet
    refused = client.post(WRITE, data={**form, "action": "send"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="body-error"' in text
    assert "ask campaigns to send no more than 6 identical letters" in text
    assert db.session.scalar(select(func.count()).select_from(Letter)) == HOUSE_OF_LORDS


def test_two_confirmed_at_the_same_instant_cannot_both_pass(site, lords_campaign):
    """Each confirmation locks the limited list's row: the second counts the
    first, even from another connection at the same moment."""
    for n in range(HOUSE_OF_LORDS - 1):
        write(lords_campaign, n, SAME)
    tokens = [confirmation_token(write(lords_campaign, n, SAME, confirm=False))
              for n in (10, 11)]  # fmt: skip
    db.session.remove()
    start = threading.Barrier(2)

    def confirm(token):
        with site.app_context():
            start.wait()
            confirm_letter(token)
            db.session.remove()

    threads = [threading.Thread(target=confirm, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(db.session.scalars(select(Letter.status).where(
        Letter.sender_email.in_(["writer10@example.com", "writer11@example.com"]))))  # fmt: skip
    assert statuses == [LetterStatus.HELD, LetterStatus.QUEUED]


def test_a_process_whose_copy_predates_the_list_still_refuses_the_seventh(make_app):
    stale = make_app(**NO_MODERATION, REFERENCE_REFRESH_SECONDS=3600)
    with stale.app_context():
        # Its copy of the lists with a limit is made before the peers exist.
        assert too_many_identical(demo_campaign().id, SAME, "Writer", [1]) is None
    fresh = make_app(**NO_MODERATION)
    with fresh.app_context():
        campaign = demo_campaign()
        load_list("lords", list_csv(PEERS), name="The House of Lords",
                  most_identical=HOUSE_OF_LORDS)  # fmt: skip
        set_targets(campaign.id, Settings(mp="never", lists=("lords",), offer_at_random=4))
        for n in range(HOUSE_OF_LORDS):
            write(campaign, n, SAME)
    with stale.app_context(), pytest.raises(LetterProblem):
        write(demo_campaign(), 7, SAME)  # refused at the form, not only at confirmation
