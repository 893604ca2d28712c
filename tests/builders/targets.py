"""Target lists for tests: fictional people and offices, in the places of
tests/builders/reference_data.py (its made-up council, county and ward codes)."""

from __future__ import annotations

import csv
import io

from app.targets.campaigns import Settings, set_targets
from app.targets.lists import COLUMNS, load_list

COUNCILLOR = "cllr.pat.quill@testington-council.example"
COUNCILLOR_TWO = "cllr.robin.vale@testington-council.example"
SOUTH_COUNCILLOR = "cllr.sam.reed@testington-council.example"
COUNTY = "cllr.lee.moss@testshire-county.example"
MINISTER = "minister@department-of-examples.example"

COUNCILLORS = [
    # Testington District (E07999901): TE1 1AA, TE1 1AB, TE1 0AA.
    {"ref": "quill", "name": "Pat Quill", "role": "Councillor for Testington East",
     "body": "Testington District Council", "email": COUNCILLOR, "postal_address": "",
     "area_type": "council", "area_code": "E07999901"},
    {"ref": "vale", "name": "Robin Vale", "role": "Councillor for Testington West",
     "body": "Testington District Council", "email": COUNCILLOR_TWO, "postal_address": "",
     "area_type": "council", "area_code": "E07999901"},
    # South Testington (E07999902): TE2 2BB, SO1 1AA.
    {"ref": "reed", "name": "Sam Reed", "role": "Councillor for South Testington",
     "body": "South Testington District Council", "email": SOUTH_COUNCILLOR,
     "postal_address": "", "area_type": "council", "area_code": "E07999902"},
    # The county over both districts (E10999901).
    {"ref": "moss", "name": "Lee Moss", "role": "County councillor for Testshire",
     "body": "Testshire County Council", "email": COUNTY, "postal_address": "",
     "area_type": "county", "area_code": "E10999901"},
]  # fmt: skip
NATIONAL = [
    {"ref": "minister", "name": "Morgan Example", "role": "Minister for Examples",
     "body": "Department of Examples", "email": MINISTER, "postal_address": "",
     "area_type": "none", "area_code": ""},
]  # fmt: skip


def list_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def load(slug: str, rows: list[dict], **kwargs):
    return load_list(slug, list_csv(rows), **kwargs)


def targeted_campaign(campaign, *, mp="offered", lists=("councillors", "ministers"), **settings):
    """The campaign, writing to the fictional councillors and minister too."""
    load("councillors", COUNCILLORS, name="Testington councillors", source="made up for tests")
    load("ministers", NATIONAL, name="Ministers", source="made up for tests")
    set_targets(campaign.id, Settings(mp=mp, lists=lists, **settings))
    return campaign
