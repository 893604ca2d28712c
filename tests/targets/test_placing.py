"""Who a writer may write to: their postcode's areas, the campaign's rules."""

from __future__ import annotations

import pytest

from app.reference.areas import AreaType, areas_of
from app.targets.campaigns import Settings, TargetsError, clear_targets, set_targets
from app.targets.placing import MP_VALUE, Chosen, TargetProblem, choose, offer_for, tick_value
from tests.builders.letters import demo_campaign
from tests.builders.outbox import statements_run
from tests.builders.targets import COUNCILLORS, load, targeted_campaign


def refs(offer) -> list[str]:
    return [t.ref for t in offer.targets]


def test_a_postcode_is_placed_in_its_areas(app):
    areas = areas_of("te1 1aa")
    assert areas.codes == {
        AreaType.COUNTRY: "E92000001", AreaType.COUNTY: "E10999901",
        AreaType.COUNCIL: "E07999901", AreaType.WARD: "E05999901",
    }  # fmt: skip
    assert areas_of("ZZ9 9ZZ").codes == {}  # not a postcode the data knows


def test_a_campaign_without_targets_writes_to_mps_only(app):
    assert offer_for(demo_campaign().id, "TE1 1AA", "E14001063") is None


def test_a_writer_gets_their_district_their_county_and_national_targets(app):
    campaign = targeted_campaign(demo_campaign())
    # Two-tier: the district's councillors, the county's, then the minister.
    assert refs(offer_for(campaign.id, "TE1 1AA", "E14001063")) == ["quill", "vale", "moss",
                                                                       "minister"]  # fmt: skip
    assert refs(offer_for(campaign.id, "TE2 2BB", "E14001064")) == ["reed", "moss", "minister"]
    # Wales: none of these councils, only the national target.
    assert refs(offer_for(campaign.id, "CF1 1AA", "W07000081")) == ["minister"]


def test_exclusions_and_the_lists_chosen_are_kept(app):
    campaign = targeted_campaign(demo_campaign(), lists=("councillors",),
                                 excluded=("councillors:vale",))  # fmt: skip
    assert refs(offer_for(campaign.id, "TE1 1AA", "E14001063")) == ["quill", "moss"]
    with pytest.raises(TargetsError, match="councillors has no target with ref 'nobody'"):
        set_targets(campaign.id, Settings(lists=("councillors",), excluded=("councillors:nobody",)))
    with pytest.raises(TargetsError, match="no target list called elsewhere"):
        set_targets(campaign.id, Settings(lists=("elsewhere",)))
    with pytest.raises(TargetsError, match="needs a target list"):
        set_targets(campaign.id, Settings(mp="never"))
    clear_targets(campaign.id)
    assert offer_for(campaign.id, "TE1 1AA", "E14001063") is None


def test_the_writer_chooses_by_the_campaigns_rule(app):
    campaign = targeted_campaign(demo_campaign(), most=2)
    offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
    quill, minister = offer.targets[0], offer.targets[3]
    assert offer.ticked_at_first() == [MP_VALUE, *(tick_value(t) for t in offer.targets)]
    assert choose(offer, [MP_VALUE, tick_value(quill)]) == Chosen(True, (quill,))
    assert choose(offer, [tick_value(minister)]) == Chosen(False, (minister,))
    with pytest.raises(TargetProblem, match="at most 2 people"):
        choose(offer, [MP_VALUE, tick_value(quill), tick_value(minister)])
    with pytest.raises(TargetProblem, match="at least one"):
        choose(offer, ["999:nobody"])  # a box no one here has counts for nothing

    one = targeted_campaign(demo_campaign(), choice="one")
    offer = offer_for(one.id, "TE1 1AA", "E14001063")
    assert offer.ticked_at_first() == []
    assert choose(offer, [MP_VALUE]) == Chosen(True, ())
    with pytest.raises(TargetProblem, match="Choose one"):
        choose(offer, [MP_VALUE, tick_value(quill)])

    every = targeted_campaign(demo_campaign(), mp="always", choice="all")
    offer = offer_for(every.id, "TE1 1AA", "E14001063")
    assert choose(offer, []) == Chosen(True, offer.targets)


def test_a_vacant_seat_is_not_offered(app):
    campaign = targeted_campaign(demo_campaign())
    offer = offer_for(campaign.id, "VA1 1AA", "E14001065", mp_vacant=True)
    assert offer.mp == "never"
    assert refs(offer) == ["minister"]
    with pytest.raises(TargetProblem):
        choose(offer, [MP_VALUE])


def test_a_campaigns_offer_is_read_once_then_again_after_each_change(make_app):
    app = make_app(REFERENCE_REFRESH_SECONDS=3600)  # as in production: a copy kept
    with app.app_context():
        campaign = targeted_campaign(demo_campaign())
        assert refs(offer_for(campaign.id, "TE1 1AA", "E14001063")) == [
            "quill", "vale", "moss", "minister"]  # fmt: skip
        with statements_run() as statements:
            assert refs(offer_for(campaign.id, "TE2 2BB", "E14001064")) == [
                "reed", "moss", "minister"]  # fmt: skip
        assert statements == []  # answered from this process's copy

        # A new version of a list, and new settings, are offered at once.
        renamed = [{**COUNCILLORS[0], "name": "Pat Quill-Renamed"}, *COUNCILLORS[1:]]
        load("councillors", renamed)
        quill = offer_for(campaign.id, "TE1 1AA", "E14001063").targets[0]
        assert (quill.ref, quill.name) == ("quill", "Pat Quill-Renamed")
        set_targets(campaign.id, Settings(mp="offered", lists=("councillors", "ministers"),
                                          excluded=("councillors:quill",)))  # fmt: skip
        assert refs(offer_for(campaign.id, "TE1 1AA", "E14001063")) == ["vale", "moss",
                                                                           "minister"]  # fmt: skip
