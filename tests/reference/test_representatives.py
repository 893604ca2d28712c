"""From a postcode to a seat and its MP, every outcome, on the small dataset."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import update

from app.db import write_transaction
from app.extensions import db
from app.reference.models import MP, ReferenceState
from app.reference.postcodes import InvalidPostcode, LookupUnavailable, NoMPForArea, UnknownPostcode
from app.reference.representatives import (
    ChoiceRequired,
    Choose,
    Found,
    WrongConstituency,
    find_mp,
    reference_cache,
    resolve_seat,
)


def test_a_gb_postcode_finds_its_mp(app):
    result = find_mp("te1 1aa")
    assert isinstance(result, Found)
    assert result.postcode == "TE1 1AA"
    assert (result.seat.name, result.seat.mp.name, result.seat.can_email) == (
        "Testington North",
        "Alice Able",
        True,
    )


def test_northern_ireland_offers_exactly_the_ni_seats(app):
    result = find_mp("BT7 1NN")
    assert isinstance(result, Choose)
    assert result.reason == "northern_ireland"
    assert [s.name for s in result.seats] == ["Belfast Test", "Derry Test"]
    assert all(s.gss_code.startswith("N") for s in result.seats)


def test_a_postcode_the_data_places_nowhere_offers_gb_seats(app):
    result = find_mp("TE9 9ZZ")
    assert isinstance(result, Choose)
    assert result.reason == "no_constituency"
    assert "real postcode" in result.explanation
    assert {s.country for s in result.seats} == {"England", "Wales", "Scotland"}


def test_mp_without_email_and_vacant_seat_say_how_else_to_reach_them(app):
    glen = find_mp("G1 1AA").seat
    assert not glen.can_email
    assert glen.mp.status == "no_email"
    assert "members.parliament.uk/member/9004/contact" in glen.mp.contact_url
    assert "don't have a working email address for Dougal Ross" in glen.unreachable_reason()
    vacant = find_mp("VA1 1AA").seat
    assert vacant.mp.status == "vacant"
    assert "vacant" in vacant.unreachable_reason()


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("nonsense", InvalidPostcode),
        ("TE5 5XX", UnknownPostcode),
        ("JE2 4WF", NoMPForArea),
        ("IM1 1AA", NoMPForArea),
        ("BFPO 57", NoMPForArea),
    ],
)
def test_postcodes_without_an_mp_raise_distinct_errors(app, raw, error):
    with pytest.raises(error):
        find_mp(raw)


def test_resolve_seat_checks_the_postcode_belongs_to_the_chosen_mp(app):
    assert resolve_seat("TE1 1AA", "E14001063")[1].name == "Testington North"
    with pytest.raises(WrongConstituency, match="TE1 1AA is in Testington North"):
        resolve_seat("TE1 1AA", "E14001064")
    with pytest.raises(ChoiceRequired):
        resolve_seat("BT7 1NN", None)
    with pytest.raises(ChoiceRequired):
        resolve_seat("BT7 1NN", "E14001063")  # a GB seat is never a choice for BT
    postcode, seat, chosen = resolve_seat("BT7 1NN", "N05000002")
    assert (postcode, seat.name, chosen) == ("BT7 1NN", "Derry Test", True)


def test_an_admin_override_reaches_the_lookup_after_the_version_moves(make_app):
    app = make_app(REFERENCE_REFRESH_SECONDS=3600)
    with app.app_context():
        assert not find_mp("G1 1AA").seat.can_email
        with write_transaction() as session:
            session.execute(
                update(MP).where(MP.name == "Dougal Ross").values(email_override="d@example.org")
            )
            session.get(ReferenceState, 1).version += 1
        assert not find_mp("G1 1AA").seat.can_email  # still cached
        reference_cache().invalidate()
        assert find_mp("G1 1AA").seat.can_email


def test_no_reference_data_is_a_clear_unavailable_error(app):
    db.session.execute(db.delete(ReferenceState))
    db.session.commit()
    app.extensions.pop("reference_snapshot", None)
    with pytest.raises(LookupUnavailable, match="not been loaded"):
        find_mp("TE1 1AA")


class FakeMapIt(BaseHTTPRequestHandler):
    """Answers like mapit.mysociety.org: /postcode/<pc> with areas and shortcuts."""

    answers = {
        "TE11AA": {
            "postcode": "TE1 1AA",
            "shortcuts": {"WMC": 66001},
            "areas": {
                "66001": {"type": "WMC", "name": "Testington North", "codes": {"gss": "E14001063"}},
                "2250": {
                    "type": "UTA",
                    "name": "Testington Council",
                    "codes": {"gss": "E06000001"},
                },
            },
        },
        "TE99ZZ": {"postcode": "TE9 9ZZ", "shortcuts": {}, "areas": {}},
    }

    def do_GET(self):
        postcode = self.path.rsplit("/", 1)[-1]
        if postcode == "TE88AA":
            self.send_response(500)
            self.end_headers()
            return
        body = self.answers.get(postcode)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or {"code": 404, "error": "Postcode not found"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def mapit():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMapIt)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.sqlite_only
def test_mapit_provider_places_postcodes(make_app, mapit):
    app = make_app(POSTCODE_LOOKUP_URL=mapit)
    with app.app_context():
        assert find_mp("TE1 1AA").seat.name == "Testington North"
        assert find_mp("TE9 9ZZ").reason == "no_constituency"
        with pytest.raises(UnknownPostcode):
            find_mp("TE5 5XX")
        with pytest.raises(LookupUnavailable, match="can't look up postcodes right now"):
            find_mp("TE8 8AA")
        assert isinstance(find_mp("BT1 1AA"), Choose)  # NI is never sent to the provider


@pytest.mark.sqlite_only
def test_mapit_provider_that_is_down_is_unavailable(make_app):
    app = make_app(POSTCODE_LOOKUP_URL="http://127.0.0.1:9", POSTCODE_LOOKUP_TIMEOUT=1)
    with app.app_context(), pytest.raises(LookupUnavailable):
        find_mp("TE1 1AA")


def test_seats_are_read_from_the_database_once_per_version(make_app):
    app = make_app(REFERENCE_REFRESH_SECONDS=3600)
    with app.app_context():
        first = reference_cache().get()
        find_mp("TE1 1AA")
        assert reference_cache().get() is first
