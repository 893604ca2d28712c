"""Supporters and opponents: a campaign's variant subject and opening for the
targets it marks, set by an admin, shown to the writer, kept through clearing.
Delivery is in test_delivery.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.targets.campaigns import Settings, TargetsError, Variant, set_targets, settings_for
from app.targets.models import TargetList, TargetStance, TargetVariant
from app.targets.placing import offer_for, tick_value
from tests.builders.letters import demo_campaign
from tests.builders.targets import targeted_campaign
from tests.targets.test_site import WRITE, letter_form, page

THANKS = "Thank you for backing open expenses."


def marked(**changes):
    settings = {
        "supporters": ("councillors:quill",), "opponents": ("ministers:minister",),
        "variants": (Variant("supporter", "Thank you", THANKS),
                     Variant("opponent", "Please think again", "")),
        **changes,
    }  # fmt: skip
    return targeted_campaign(demo_campaign(), **settings)


def test_marks_and_variants_are_kept_and_offered_by_target(app):
    campaign = marked()
    settings = settings_for(campaign.id)
    assert settings.supporters == ("councillors:quill",)
    assert settings.opponents == ("ministers:minister",)
    assert settings.variants == (Variant("supporter", "Thank you", THANKS),
                                 Variant("opponent", "Please think again", ""))  # fmt: skip
    offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
    quill, vale, _, minister = offer.targets
    assert offer.variant_of(quill) == Variant("supporter", "Thank you", THANKS)
    assert offer.variant_of(vale) is None
    assert offer.variant_of(minister).subject == "Please think again"
    # A variant with nothing in it is not kept; nor is anything when cleared.
    set_targets(campaign.id, Settings(lists=("councillors",), supporters=("councillors:quill",),
                                      variants=(Variant("supporter"),)))  # fmt: skip
    assert settings_for(campaign.id).variants == ()
    assert offer_for(campaign.id, "TE1 1AA", "E14001063").variants == {}


@pytest.mark.parametrize(
    ("changes", "setting", "message"),
    [
        ({"supporters": ("councillors:nobody",)}, "supporters", "has no target with ref"),
        ({"opponents": ("councillors:quill",)}, "opponents", "both a supporter and an opponent"),
        ({"opponents": ("quill",)}, "opponents", "a chosen list's name, a colon and a ref"),
        ({"variants": (Variant("undecided", "x"),)}, "variants", "stance is one of"),
        ({"variants": (Variant("supporter", "a\nb"),)}, "variants", "one line"),
        ({"variants": (Variant("supporter", "", "x" * 1001),)}, "variants", "at most 1000"),
    ],
)
def test_bad_marks_and_variants_are_refused_naming_the_setting(app, changes, setting, message):
    campaign = marked()
    before = settings_for(campaign.id)
    settings = Settings(lists=("councillors", "ministers"), supporters=before.supporters,
                        opponents=before.opponents, variants=before.variants)  # fmt: skip
    with pytest.raises(TargetsError, match=message) as refused:
        set_targets(campaign.id, Settings(**{**settings.__dict__, **changes}))
    assert refused.value.setting == setting
    assert settings_for(campaign.id) == before  # nothing changed


def test_the_writer_sees_each_variant_before_sending(client):
    marked()
    quill = tick_value(offer_for(demo_campaign().id, "TE1 1AA", "E14001063").targets[0])
    text = page(client.post(WRITE, data=letter_form(targets=["mp", quill])))
    item = re.search(r"<li>Pat Quill, Councillor for Testington East.*?</li>", text, re.S).group()
    assert "Their subject: Thank you" in item
    assert f"Their letter opens with the campaign's words, then yours: “{THANKS}”" in item
    assert "Their subject" not in text.replace(item, "")  # the MP's letter is the writer's


def test_the_api_gives_each_targets_variant(client):
    marked()
    answer = client.get("/api/v1/campaigns/mp-expenses/targets?postcode=TE1 1AA").get_json()
    variants = {t["name"]: t["variant"] for t in answer["targets"]}
    assert variants == {
        "Pat Quill": {"subject": "Thank you", "opening": THANKS}, "Robin Vale": None,
        "Lee Moss": None, "Morgan Example": {"subject": "Please think again", "opening": None},
    }  # fmt: skip


def test_an_admin_marks_supporters_on_the_campaigns_page(admin_client):
    campaign = targeted_campaign(demo_campaign())
    form = {
        "mp": "offered", "lists": ["councillors", "ministers"], "choice": "some", "most": "0",
        "preselected": "y", "offer_at_random": "0", "excluded": "",
        "supporters": "councillors:quill\r\n", "supporter_subject": "Thank you",
        "supporter_opening": THANKS, "opponents": "ministers:nobody",
        "opponent_subject": "", "opponent_opening": "",
    }  # fmt: skip
    url = f"/admin/campaigns/{campaign.id}/targets"
    refused = admin_client.post(url, data=form)
    assert refused.status_code == 422
    text = page(refused)
    # The error is tied to its own field.
    assert re.search(r'id="opponents-error"[^>]*>.*ministers has no target with ref', text, re.S)
    assert db.session.scalar(select(TargetStance)) is None

    saved = admin_client.post(url, data={**form, "opponents": ""})
    assert saved.status_code == 303
    assert settings_for(campaign.id).supporters == ("councillors:quill",)
    shown = page(admin_client.get(url))
    assert "councillors:quill</textarea>" in shown
    assert THANKS in shown
    admin_client.post(f"{url}/clear")
    assert db.session.scalar(select(TargetVariant)) is None
    assert db.session.scalar(select(TargetList.id)) is not None  # the lists stay
