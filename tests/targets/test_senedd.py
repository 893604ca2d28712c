"""The Senedd from 2026: its 16 constituencies, placed through Westminster's."""

from __future__ import annotations

import csv
import json

import pytest

from app.reference.senedd import PAIRING, senedd_constituencies, senedd_of
from app.targets.lists import BadList
from app.targets.placing import offer_for
from tests.builders.letters import demo_campaign
from tests.builders.settings import SHARED_DATA
from tests.builders.targets import load, targeted_campaign

MEMBERS = [
    # Fictional members for the Senedd constituency that the test data's
    # Welsh seat (W07000081) is part of: one named by slug, one by name.
    {"ref": "ms-one", "name": "Eleri Example", "role": "Member of the Senedd for Afan Ogwr Rhondda",
     "body": "Senedd Cymru", "email": "eleri.example@senedd.example", "postal_address": "",
     "area_type": "senedd", "area_code": "afan-ogwr-rhondda"},
    {"ref": "ms-two", "name": "Dafydd Example", "role": "Member of the Senedd for Afan Ogwr Rhondda",
     "body": "Senedd Cymru", "email": "dafydd.example@senedd.example", "postal_address": "",
     "area_type": "Senedd", "area_code": "AFAN OGWR RHONDDA"},
    {"ref": "ms-three", "name": "Siân Example", "role": "Member of the Senedd for Caerdydd Penarth",
     "body": "Senedd Cymru", "email": "sian.example@senedd.example", "postal_address": "",
     "area_type": "senedd", "area_code": "Caerdydd Penarth"},
]  # fmt: skip


def test_the_pairing_has_sixteen_constituencies_of_two_welsh_seats_each():
    constituencies = senedd_constituencies()
    assert len(constituencies) == 16
    codes = [code for senedd in constituencies.values() for code in senedd.westminster]
    assert all(len(senedd.westminster) == 2 for senedd in constituencies.values())
    assert len(set(codes)) == 32
    assert all(code.startswith("W07") for code in codes)
    assert senedd_of("W07000091") == "caerdydd-penarth"  # Cardiff South and Penarth
    assert senedd_of("E14001172") is None  # Cities of London and Westminster


def test_the_pairing_names_every_welsh_seat_of_the_real_data_by_its_own_name():
    path = SHARED_DATA / "pcon_2024_constituencies.json"
    if not path.exists():
        pytest.skip(f"no reference data at {SHARED_DATA}")
    seats = json.loads(path.read_text(encoding="utf-8")).values()
    welsh = {
        seat["parlcon_2024_gss_code"]: seat["parlcon_2024_name"]
        for seat in seats
        if seat["parlcon_2024_gss_code"].startswith("W")
    }
    assert len(welsh) == 32
    with PAIRING.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(line for line in file if not line.startswith("#")))
    assert {row["westminster_gss_code"]: row["westminster_name"] for row in rows} == welsh


def test_a_welsh_postcode_is_offered_its_senedd_members(app):
    load("senedd", MEMBERS, name="Members of the Senedd", source="made up for tests")
    campaign = targeted_campaign(demo_campaign(), lists=("senedd", "ministers"))
    offer = offer_for(campaign.id, "CF1 1AA", "W07000081")
    # Both members for its constituency, before the national target; not Cardiff's.
    assert [t.ref for t in offer.targets] == ["ms-two", "ms-one", "minister"]
    assert {t.area_code for t in offer.targets[:2]} == {"afan-ogwr-rhondda"}
    # An English postcode has no Senedd constituency.
    assert [t.ref for t in offer_for(campaign.id, "TE1 1AA", "E14001063").targets] == ["minister"]


def test_a_senedd_row_must_name_one_of_the_sixteen(app):
    bad = dict(MEMBERS[0], area_code="Cardiff Central")
    with pytest.raises(BadList) as refused:
        load("senedd", [bad])
    (problem,) = refused.value.problems
    assert problem.line == 2
    assert "'Cardiff Central' is not a Senedd constituency (one of afan-ogwr-rhondda" in str(
        problem
    )
