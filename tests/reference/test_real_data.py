"""Every lookup outcome on the real reference data in DATA_DIR (../shared/data).

The data is loaded once for the session into its own SQLite file.
"""

import random

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.reference.data_load import apply_reference_data, read_reference_data
from app.reference.models import MP, Constituency
from app.reference.postcodes import UNPLACED, InvalidPostcode, NoMPForArea, UnknownPostcode, pretty
from app.reference.representatives import Choose, Found, find_mp, reference_cache
from tests.builders.settings import SHARED_DATA, base_config

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="session")
def real_data():
    if not (SHARED_DATA / "mps.csv").exists():
        pytest.skip(f"no reference data at {SHARED_DATA}")
    return read_reference_data(SHARED_DATA)


@pytest.fixture(scope="session")
def real_app(real_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "real.db"
    app = create_app(base_config(f"sqlite:///{path}", REFERENCE_REFRESH_SECONDS=3600))
    with app.app_context():
        db.create_all()
        apply_reference_data(real_data)
        db.session.remove()
    return app


@pytest.fixture
def ctx(real_app):
    with real_app.app_context():
        yield real_app


@pytest.mark.parametrize(
    ("postcode", "constituency", "gss"),
    [
        ("SW1A 0AA", "Cities of London and Westminster", "E14001172"),
        ("EH99 1SP", "Edinburgh East and Musselburgh", "S14000078"),
        ("CF10 1EP", "Cardiff South and Penarth", "W07000091"),
        ("ZE1 0AA", "Orkney and Shetland", "S14000051"),
        ("sw1a0aa", "Cities of London and Westminster", "E14001172"),
        ("SW1A OAA", "Cities of London and Westminster", "E14001172"),
    ],
)
def test_readme_spot_checks(ctx, postcode, constituency, gss):
    result = find_mp(postcode)
    assert isinstance(result, Found)
    assert (result.seat.name, result.seat.gss_code) == (constituency, gss)


def test_all_650_seats_and_the_four_mps_without_email(ctx):
    assert db.session.scalar(select(func.count()).select_from(Constituency)) == 650
    no_email = [mp.name for mp in db.session.scalars(select(MP)) if mp.email is None]
    assert sorted(no_email) == [
        "Sir Julian Lewis",
        "Sir Mark Hendrick",
        "Yasmin Qureshi",
        "Órfhlaith Begley",
    ]


def test_no_mp_is_named_with_a_courtesy_title(ctx):
    names = db.session.scalars(select(MP.name)).all()
    titled = [n for n in names if n.split(" ", 1)[0] in {"Mr", "Mrs", "Ms", "Miss", "Mx"}]
    assert titled == []
    assert "Connor Rand" in names  # "Mr Connor Rand" in the source
    assert "Dr Kieran Mullan" in names  # an earned title is kept


def postcode_at(index, i: int) -> str:
    """The i-th postcode of the index, turned back from base 36 into text."""
    key, text = index.keys[i], ""
    while key:
        key, digit = divmod(key, 36)
        text = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + text
    return pretty(text)


def _a_postcode_in(real_data, gss: str) -> str:
    index = real_data.index
    return postcode_at(index, list(index.slots).index(index.codes.index(gss)))


@pytest.mark.parametrize(
    ("gss", "mp"),
    [
        ("E14001111", "Yasmin Qureshi"),
        ("E14001373", "Sir Julian Lewis"),
        ("E14001433", "Sir Mark Hendrick"),
    ],
)
def test_a_real_postcode_of_an_mp_without_email_says_so(ctx, real_data, gss, mp):
    seat = find_mp(_a_postcode_in(real_data, gss)).seat
    assert seat.mp.name == mp
    assert not seat.can_email
    assert seat.mp.status == "no_email"
    assert "members.parliament.uk/member/" in seat.mp.contact_url


@pytest.mark.parametrize("postcode", ["BT1 1AA", "BT7 1NN", "BT48 6DQ", "BT79 0AA", "bt93 8ad"])
def test_northern_ireland_offers_the_18_ni_seats_never_a_gb_one(ctx, postcode):
    result = find_mp(postcode)
    assert isinstance(result, Choose)
    assert result.reason == "northern_ireland"
    assert len(result.seats) == 18
    assert all(seat.gss_code.startswith("N05") for seat in result.seats)
    west_tyrone = next(s for s in result.seats if s.name == "West Tyrone")
    assert not west_tyrone.can_email  # the NI MP without an email address


def test_a_real_postcode_without_a_constituency_offers_a_choice(ctx):
    result = find_mp("BD98 1GA")
    assert isinstance(result, Choose)
    assert result.reason == "no_constituency"
    assert len(result.seats) == 632


def test_868_real_postcodes_have_no_constituency(real_data):
    assert sum(1 for i in range(len(real_data.index)) if real_data.index.slots[i] == 0xFFFF) == 868


@pytest.mark.parametrize(("postcode", "error"), [
    ("JE2 4WF", NoMPForArea), ("GY1 2PW", NoMPForArea), ("IM1 3PN", NoMPForArea),
    ("BFPO 1", NoMPForArea), ("SW1A 9ZZ", UnknownPostcode), ("SW1A", InvalidPostcode),
    ("not a postcode", InvalidPostcode),
])  # fmt: skip
def test_real_data_error_outcomes(ctx, postcode, error):
    with pytest.raises(error):
        find_mp(postcode)


def test_a_random_sample_of_real_postcodes_all_find_a_seat(ctx, real_data):
    rng = random.Random(2009)
    index = real_data.index
    for i in rng.sample(range(len(index)), 5000):
        result = find_mp(postcode_at(index, i).lower())
        if index.code_at(i) == UNPLACED:
            assert isinstance(result, Choose)
        else:
            assert isinstance(result, Found)
            assert result.seat.gss_code == index.code_at(i)
    assert reference_cache().get().index is not None


def test_the_api_answers_in_the_documented_shape(ctx):
    response = ctx.test_client().get("/api/v1/representatives?postcode=SW1A%200AA")
    assert response.status_code == 200
    body = response.get_json()
    assert body["postcode"] == "SW1A 0AA"
    assert body["constituency"] == {
        "name": "Cities of London and Westminster",
        "gss_code": "E14001172",
    }
    assert set(body["mp"]) >= {"name", "party", "can_email"}
    assert body["mp"]["can_email"] is True


@pytest.mark.parametrize(
    ("postcode", "council", "ward"),
    [
        ("SW1A 0AA", "E09000033", "E05013806"),  # Westminster
        ("CF10 1EP", "W06000015", "W05001274"),  # Cardiff
        ("EH99 1SP", "S12000036", "S13002929"),  # City of Edinburgh
    ],
)
def test_a_real_postcode_is_placed_in_its_council_and_ward(ctx, postcode, council, ward):
    """Code-Point Open's admin codes, as the file has them (zcat | grep)."""
    from app.reference.areas import AreaType, areas_of

    areas = areas_of(postcode)
    assert areas.codes[AreaType.COUNCIL] == council
    assert areas.codes[AreaType.WARD] == ward
    assert (
        areas.codes[AreaType.COUNTRY]
        == {"E": "E92000001", "W": "W92000004", "S": "S92000003"}[council[0]]
    )
    assert AreaType.COUNTY not in areas.codes  # a unitary area: no county tier


def test_every_real_postcode_has_a_council(ctx, real_data):
    """All 1.7 million: none without a district, and two-tier England's have a county."""
    areas, index = real_data.areas, real_data.index
    assert areas is not None
    assert len(areas) == len(index)
    codes = areas.codes
    councils = {codes[slot] for slot in areas.slots[2::4] if slot != 0xFFFF}
    counties = {codes[slot] for slot in areas.slots[1::4] if slot != 0xFFFF}
    assert 300 < len(councils) < 420  # GB's districts and unitaries
    assert all(code.startswith("E10") for code in counties)
    assert 20 < len(counties) < 30
    assert sum(1 for slot in areas.slots[2::4] if slot == 0xFFFF) < len(index) // 1000
