"""`flask data load`: reading, checking, updating in place, and refusing bad files."""

import dataclasses
import gzip
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.reference.data_load import DataFileError, load_reference_data, read_reference_data
from app.reference.models import MP, Constituency, StoredPostcodeIndex
from tests.builders.reference_data import POSTCODES, SEATS, write_dataset


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def mp_for(gss):
    return db.session.scalar(select(MP).join(Constituency).where(Constituency.gss_code == gss))


def test_loads_constituencies_mps_and_postcodes(app):
    assert count(Constituency) == len(SEATS)
    assert count(MP) == len(SEATS)
    index = db.session.scalars(select(StoredPostcodeIndex)).one()
    assert index.postcode_count == len(POSTCODES)
    north = mp_for("E14001063")
    assert (north.name, north.party, north.email) == (
        "Alice Able",
        "Labour",
        "alice.able.mp@parliament.uk",
    )
    assert north.constituency.country == "England"
    assert mp_for("N05000001").constituency.country == "Northern Ireland"


def test_no_email_and_vacant_seats_are_kept_and_flagged(app):
    glen = mp_for("S14000021")
    assert glen.source_email == "No email found"  # the source value is kept as given
    assert glen.email is None
    vacant = mp_for("E14001065")
    assert vacant.is_vacant
    assert vacant.email is None
    assert vacant.member_id is None


def test_rerunning_updates_in_place_and_reports_changes(app, tmp_path):
    north = mp_for("E14001063")
    north.email_override = "alice.office@example.org"
    db.session.commit()
    seats = [
        dataclasses.replace(s, mp="Zara Zed", member_id="9100", email="zara.zed.mp@parliament.uk")
        if s.gss == "E14001063"
        else dataclasses.replace(s, party="Green")
        if s.gss == "E14001064"
        else s
        for s in SEATS
    ]
    postcodes = {**POSTCODES, "TE3 3CC": "UKPARL.2025.TSO"}
    del postcodes["TE1 1AB"]
    report = load_reference_data(write_dataset(tmp_path / "v2", seats=seats, postcodes=postcodes))

    text = str(report)
    assert "new MP for Testington North: Alice Able -> Zara Zed" in text
    assert "email override for Alice Able was cleared" in text
    assert "Bob Baker (Testington South): party changed" in text
    assert "1 new, 1 removed" in text
    assert count(MP) == len(SEATS)  # replaced, not duplicated
    assert count(Constituency) == len(SEATS)
    north = mp_for("E14001063")
    assert (north.name, north.email_override, north.email) == (
        "Zara Zed",
        None,
        "zara.zed.mp@parliament.uk",
    )


def test_same_mp_keeps_the_admin_override(app, reference_dir):
    north = mp_for("E14001063")
    north.email_override = "alice.office@example.org"
    db.session.commit()
    report = load_reference_data(reference_dir)
    assert "0 new, 0 replaced, 0 updated" in str(report)
    assert mp_for("E14001063").email == "alice.office@example.org"


def _break(directory, name, text):
    (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("pcon_2024_constituencies.json", '{\n  "UKPARL.2025.TNO": {\n    "parlcon_2024_name": ,\n', "pcon_2024_constituencies.json, line 3: not valid JSON"),
        ("pcon_2024_constituencies.json", '{\n"UKPARL.2025.TNO": {\n"parlcon_2024_name": "X",\n"parlcon_2024_gss_code": "nope"}\n}', "pcon_2024_constituencies.json, line 2: UKPARL.2025.TNO: bad or missing GSS code"),
        ("pcon_2024_ranges.json", '{"postcode_keys": [1, 2], "value_key": [1]}', "pcon_2024_ranges.json, line 1: missing the 'value_values' list"),
        ("pcon_2024_ranges.json", '{"postcode_keys": [1, "x"], "value_key": [1, 1], "value_values": []}', "postcode_keys[1] is not a whole number"),
    ],
)  # fmt: skip
def test_malformed_json_is_refused_naming_file_and_line(
    reference_dir, tmp_path, name, content, expected
):
    directory = write_dataset(tmp_path / "bad")
    with pytest.raises(DataFileError) as caught:
        read_reference_data(_break(directory, name, content))
    assert expected in str(caught.value)


def test_malformed_mps_csv_names_the_line(tmp_path):
    directory = write_dataset(tmp_path / "bad")
    lines = (directory / "mps.csv").read_text().splitlines()
    lines[3] = lines[3].replace('"W07000081"', '"X123"')
    (directory / "mps.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=r"mps.csv, line 4: bad constituency code 'X123'"):
        read_reference_data(directory)


def test_mps_csv_without_required_columns_is_refused(tmp_path):
    directory = write_dataset(tmp_path / "bad")
    (directory / "mps.csv").write_text("pcon_name,pcon_code\nA,E14001063\n")
    with pytest.raises(DataFileError, match=r"mps\.csv, line 1: missing column"):
        read_reference_data(directory)


def test_codepo_with_wrong_column_count_names_the_line(tmp_path):
    directory = write_dataset(tmp_path / "bad", extra_rows=[["ZZ1 1ZZ", "10"]])
    with pytest.raises(DataFileError, match=r"codepo_gb.csv.gz, line \d+: expected 10 columns"):
        read_reference_data(directory)


def test_a_few_non_postcode_rows_are_skipped_and_reported(app, tmp_path):
    directory = write_dataset(tmp_path / "ids", extra_rows=[["N20000001", "10", "1", "1"]])
    report = load_reference_data(directory)
    assert "skipped 1 rows that are not postcodes (such as 'N20000001'" in str(report)


def test_mostly_non_postcode_rows_refuse_the_file(tmp_path):
    junk = [[f"N2000{i:04d}", "10", "1", "1"] for i in range(50)]
    directory = write_dataset(tmp_path / "junk", extra_rows=junk)
    with pytest.raises(DataFileError, match="50 rows are not postcodes"):
        read_reference_data(directory)


def test_truncated_gzip_is_refused(tmp_path):
    directory = write_dataset(tmp_path / "cut")
    data = (directory / "codepo_gb.csv.gz").read_bytes()
    (directory / "codepo_gb.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFileError, match=r"codepo_gb\.csv\.gz: cannot be read"):
        read_reference_data(directory)


def test_a_refused_load_changes_nothing(app, runner, tmp_path):
    directory = write_dataset(tmp_path / "bad")
    (directory / "pcon_2024_ranges.json").write_text("{oops")
    before = db.session.scalars(select(StoredPostcodeIndex.id)).one()
    result = runner.invoke(args=["data", "load", "--dir", str(directory)])
    assert result.exit_code == 1
    assert "Nothing was changed. pcon_2024_ranges.json, line 1: not valid JSON" in result.output
    assert db.session.scalars(select(StoredPostcodeIndex.id)).one() == before


def test_the_cli_loads_from_a_directory_and_prints_what_changed(app, runner, tmp_path):
    directory = write_dataset(tmp_path / "again")
    result = runner.invoke(args=["data", "load", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    assert "Constituencies: 7 (0 new, 0 renamed)" in result.output
    assert "Postcodes: 9 (0 new, 0 removed, 0 moved to another constituency)" in result.output


def test_uncompressed_codepo_is_accepted(tmp_path):
    directory = write_dataset(tmp_path / "plain")
    gz = directory / "codepo_gb.csv.gz"
    (directory / "codepo_gb.csv").write_bytes(gzip.decompress(gz.read_bytes()))
    gz.unlink()
    assert len(read_reference_data(directory).index) == len(POSTCODES)


def test_ranges_naming_an_unknown_constituency_are_refused(tmp_path):
    directory = write_dataset(tmp_path / "unknown")
    ranges = json.loads((directory / "pcon_2024_ranges.json").read_text())
    ranges["value_values"][0] = "UKPARL.2025.NOPE"
    (directory / "pcon_2024_ranges.json").write_text(json.dumps(ranges))
    with pytest.raises(DataFileError, match="unknown constituency id"):
        read_reference_data(directory)


def test_courtesy_titles_are_dropped_from_mps_names_and_earned_ones_kept():
    from app.reference.data_load import without_courtesy_title

    assert without_courtesy_title("Mr Connor Rand") == "Connor Rand"
    assert without_courtesy_title("Ms Julie Minns") == "Julie Minns"
    assert without_courtesy_title("Mrs. Sharon Hodgson") == "Sharon Hodgson"
    assert without_courtesy_title("Dr Kieran Mullan") == "Dr Kieran Mullan"
    assert without_courtesy_title("Sir Mel Stride") == "Sir Mel Stride"
    assert without_courtesy_title("Mrinal Sen") == "Mrinal Sen"  # a name, not a title
    assert without_courtesy_title("Alex Baker") == "Alex Baker"
