"""Postcode normalisation, repair and placement, without any database."""

from array import array

import pytest

from app.reference.postcodes import (
    UNPLACED,
    InvalidPostcode,
    NoMPForArea,
    PostcodeIndex,
    UnknownPostcode,
    compact,
    place_postcode,
    postcode_key,
    repairs,
)

KNOWN = {"SW1A0AA": "E14001172", "SO11AA": "E14001064", "TE10AA": "E14001063", "BD981GA": UNPLACED}


def locate(c: str):
    return KNOWN.get(c)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("sw1a 0aa", "SW1A0AA"), ("  SW1A\t0AA ", "SW1A0AA"), ("s w 1 a 0 a a", "SW1A0AA")],
)
def test_compact_removes_whitespace_and_upper_cases(raw, expected):
    assert compact(raw) == expected


@pytest.mark.parametrize(
    ("raw", "placed"),
    [
        ("sw1a 0aa", "SW1A 0AA"),
        ("SW1A OAA", "SW1A 0AA"),  # O for 0 in the inward code
        ("SW1A 0A4", None),  # not repairable: 4 is not a letter slip
        ("S01 1AA", "SO1 1AA"),  # 0 for O in the outward code, decided by the data
        ("SO1 IAA", "SO1 1AA"),  # I for 1
        ("TE1 0AA", "TE1 0AA"),
    ],
)
def test_typos_are_repaired_when_the_repair_exists(raw, placed):
    if placed is None:
        with pytest.raises(InvalidPostcode):
            place_postcode(raw, locate)
    else:
        assert place_postcode(raw, locate).postcode == placed


def test_repairs_offer_both_readings_of_ambiguous_outward_characters():
    readings = repairs("S011AA")
    assert readings[0] == "S011AA"  # the literal reading first
    assert set(readings) == {"S011AA", "SO11AA", "S0I1AA"}  # SOI is not a valid outward code
    assert repairs("SW1AOAA") == ["SW1A0AA"]


@pytest.mark.parametrize("raw", ["", "hello", "SW1A", "SW1A 0AAA", "12345", "<script>", "SW1A-0AA"])
def test_malformed_text_asks_for_a_full_postcode(raw):
    with pytest.raises(InvalidPostcode) as caught:
        place_postcode(raw, locate)
    assert "full UK postcode" in caught.value.explanation


def test_well_formed_but_unknown_postcode_says_so():
    with pytest.raises(UnknownPostcode) as caught:
        place_postcode("ZZ9 9ZZ", locate)
    assert caught.value.postcode == "ZZ9 9ZZ"
    assert "can't find" in caught.value.explanation


@pytest.mark.parametrize(
    ("raw", "place"),
    [
        ("JE2 4WF", "Jersey"),
        ("GY1 1AA", "Guernsey"),
        ("IM1 1AA", "Isle of Man"),
        ("BFPO 123", "BFPO"),
        ("BF1 4FB", "BFPO"),
        ("GX11 1AA", "Gibraltar"),
        ("FIQQ 1ZZ", "Falkland"),
    ],
)
def test_places_with_no_mp_are_explained(raw, place):
    with pytest.raises(NoMPForArea) as caught:
        place_postcode(raw, locate)
    assert place in caught.value.explanation


def test_northern_ireland_is_never_looked_up_in_gb_data():
    looked_up = []

    def spy(c):
        looked_up.append(c)
        return "E14001063"  # what a GB range lookup would wrongly say

    placed = place_postcode("bt1 1aa", spy)
    assert placed.postcode == "BT1 1AA"
    assert placed.gss_code == UNPLACED
    assert placed.northern_ireland
    assert looked_up == []


def test_a_real_postcode_with_no_constituency_is_unplaced_not_unknown():
    assert place_postcode("BD98 1GA", locate).gss_code == UNPLACED


def test_index_finds_exact_postcodes_only():
    index = PostcodeIndex.build(
        [
            (postcode_key("SW1A0AA"), "E1"),
            (postcode_key("AB101AB"), "S1"),
            (postcode_key("M11AE"), ""),
        ]
    )
    assert index.locate("SW1A0AA") == "E1"
    assert index.locate("AB101AB") == "S1"
    assert index.locate("M11AE") == UNPLACED
    assert index.locate("SW1A0AB") is None  # between two keys
    assert index.locate("A11AA") is None  # before the first
    assert index.locate("ZZ99ZZZ") is None  # after the last


@pytest.mark.parametrize(
    "text",
    # Each reads as the same base-36 number as a real postcode, or would
    # crash int(): none may be taken for one.
    ["0SW1A0AA", "SW1A_0AA", "+M11AE", "\uff2d\uff11\uff11\uff21\uff25", "M11AE!", "", "M1"],
)
def test_index_takes_nothing_but_the_exact_postcode_for_one(text):
    index = PostcodeIndex.build([(postcode_key("SW1A0AA"), "E1"), (postcode_key("M11AE"), "")])
    assert index.slot_of(text) is None
    assert index.locate(text) is None


def test_index_survives_a_round_trip_through_bytes():
    index = PostcodeIndex.build([(postcode_key("SW1A0AA"), "E1"), (postcode_key("M11AE"), "")])
    keys, slots = index.to_bytes()
    again = PostcodeIndex.from_bytes(keys, slots, index.codes)
    assert list(again.keys) == list(index.keys)
    assert again.locate("SW1A0AA") == "E1"


def test_index_rejects_mismatched_arrays():
    with pytest.raises(ValueError, match="equal length"):
        PostcodeIndex(array("q", [1, 2]), array("H", [0]), ["E1"])
