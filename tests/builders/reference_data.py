"""A small reference dataset, written in the real file formats (../shared/data/README.md).

Seven constituencies cover every case the product must handle: ordinary
seats in England, Wales and Scotland, an MP without an email address, a
vacant seat, and two Northern Ireland seats; plus a real postcode that the
ranges place in no constituency.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Seat:
    mysociety_id: str
    gss: str
    name: str
    mp: str  # display name, or "Vacant"
    email: str  # may be "No email found"
    party: str = "Independent"
    member_id: str = ""
    region: str = "Testshire"
    country: str = "England"
    name_cy: str | None = None  # the constituency's Welsh name, where it has one


SEATS = [
    Seat("UKPARL.2025.TNO", "E14001063", "Testington North", "Alice Able", "alice.able.mp@parliament.uk", "Labour", "9001"),
    Seat("UKPARL.2025.TSO", "E14001064", "Testington South", "Bob Baker", "bob.baker.mp@parliament.uk", "Conservative", "9002"),
    Seat("UKPARL.2025.CWM", "W07000081", "Cwm Test", "Carys Evans", "carys.evans.mp@parliament.uk", "Plaid Cymru", "9003", "Wales", "Wales", "Cwm Prawf"),
    Seat("UKPARL.2025.GLN", "S14000021", "Glen Test", "Dougal Ross", "No email found", "SNP", "9004", "Scotland", "Scotland"),
    Seat("UKPARL.2025.VAC", "E14001065", "Vacantshire", "Vacant", "", "", ""),
    Seat("UKPARL.2025.BEL", "N05000001", "Belfast Test", "Eilis Nic", "eilis.nic.mp@parliament.uk", "Sinn Féin", "9005", "Northern Ireland", "Northern Ireland"),
    Seat("UKPARL.2025.DRY", "N05000002", "Derry Test", "Fergal Og", "fergal.og.mp@parliament.uk", "SDLP", "9006", "Northern Ireland", "Northern Ireland"),
]  # fmt: skip

# Real (in this dataset) postcodes and where the ranges put them; None = no constituency.
POSTCODES = {
    "TE1 1AA": "UKPARL.2025.TNO",
    "TE1 1AB": "UKPARL.2025.TNO",
    "TE1 0AA": "UKPARL.2025.TNO",
    "TE2 2BB": "UKPARL.2025.TSO",
    "SO1 1AA": "UKPARL.2025.TSO",
    "CF1 1AA": "UKPARL.2025.CWM",
    "G1 1AA": "UKPARL.2025.GLN",
    "VA1 1AA": "UKPARL.2025.VAC",
    "TE9 9ZZ": None,
}

# Each postcode's country, county, council and ward (Code-Point Open's admin
# codes). The countries' codes are the real ones; every other code is made
# up (the 999 series is no real area), for the fictional places above.
AREAS = {
    "TE1 1AA": ("E92000001", "E10999901", "E07999901", "E05999901"),
    "TE1 1AB": ("E92000001", "E10999901", "E07999901", "E05999901"),
    "TE1 0AA": ("E92000001", "E10999901", "E07999901", "E05999902"),
    "TE2 2BB": ("E92000001", "E10999901", "E07999902", "E05999903"),
    "SO1 1AA": ("E92000001", "E10999901", "E07999902", "E05999903"),
    "CF1 1AA": ("W92000004", "", "W06999901", "W05999901"),
    "G1 1AA": ("S92000003", "", "S12999901", "S13999901"),
    "VA1 1AA": ("E92000001", "", "E06999901", "E05999904"),
    "TE9 9ZZ": ("E92000001", "", "E06999902", "E05999905"),
}
CODEPO_HEADER = [
    "Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code",
    "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code", "Admin_district_code",
    "Admin_ward_code",
]  # fmt: skip

MPS_HEADER = [
    "pcon_name", "pcon_code", "member_id", "full_title", "display_as", "party_text",
    "member_email", "election_result_summary_2024", "region_name", "country_name",
]  # fmt: skip


def encode_ranges(points: list[tuple[int, str | None]]) -> dict:
    """The compact range format: delta-encoded starts, and the 0-means-two-back value keys."""
    values: list[str | None] = [*sorted({v for _, v in points if v}), None]
    index = {v: i for i, v in enumerate(values)}
    starts, resolved = [], []
    for key, value in sorted(points, key=lambda point: point[0]):
        starts.append(key)
        resolved.append(index[value] + 1)
    deltas = [starts[0]] + [b - a for a, b in itertools.pairwise(starts)]
    value_key = [0 if i >= 2 and v == resolved[i - 2] else v for i, v in enumerate(resolved)]
    return {"postcode_keys": deltas, "value_key": value_key, "value_values": values}


def _key(postcode: str) -> int:
    return int(postcode.replace(" ", ""), 36)


def write_dataset(
    directory: Path, *, seats=SEATS, postcodes=POSTCODES, areas=AREAS, extra_rows=()
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pcon_2024_constituencies.json").write_text(
        json.dumps(
            {
                s.mysociety_id: {
                    "parlcon_2024_name": s.name,
                    "parlcon_2024_name_cy": s.name_cy,
                    "parlcon_2024_gss_code": s.gss,
                    "parlcon_2024_three_code": s.mysociety_id[-3:],
                }
                for s in seats
            },
            indent=4,
        )
    )
    # One range starting at each postcode, and a no-constituency range just
    # after it, so a string between real postcodes lands in "none".
    starts: dict[int, str | None] = {0: None}
    starts.update({_key(postcode) + 1: None for postcode in postcodes})
    starts.update({_key(postcode): mysociety_id for postcode, mysociety_id in postcodes.items()})
    (directory / "pcon_2024_ranges.json").write_text(
        json.dumps(encode_ranges(list(starts.items())))
    )

    with (directory / "mps.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer.writerow(MPS_HEADER)
        for s in seats:
            title = "Vacant" if s.mp == "Vacant" else f"{s.mp} MP"
            writer.writerow(
                [s.name, s.gss, s.member_id, title, s.mp, s.party, s.email, "", s.region, s.country]
            )

    with gzip.open(directory / "codepo_gb.csv.gz", "wt", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CODEPO_HEADER)
        for postcode in sorted(postcodes):
            country, county, council, ward = areas.get(postcode, ("", "", "", ""))
            writer.writerow([postcode, "10", "400000", "300000", country, "", "", county,
                             council, ward])  # fmt: skip
        for row in extra_rows:
            # A row of the first four columns is filled out; any other is as given.
            writer.writerow([*row, *[""] * 6] if len(row) == 4 else row)
    return directory
