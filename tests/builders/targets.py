"""Target lists for tests: fictional people and offices, in the places of
tests/builders/reference_data.py (its made-up council, county and ward codes)."""

from __future__ import annotations

import csv
import io
import secrets

from app.extensions import db
from app.letters import site_refusals
from app.letters.models import Attribution, Letter
from app.letters.recipients import refused_for_the_site
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.targets.campaigns import Settings, set_targets
from app.targets.lists import COLUMNS, load_list
from app.targets.placing import offer_for
from tests.builders.letters import draft

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


# A letter in its writer's own words, like no other in the tests (made up).
OWN = (
    "I cycle past the Quarry Lane depot every morning in the dark. Its broken "
    "street lights were reported four times since the spring, and nothing has "
    "been booked. Please ask when they will be mended."
)


def held_for_the_site(campaign) -> Letter:
    """A letter to its MP and to the councillor Pat Quill, whose server then
    refused it three times for the site's reasons: Pat Quill is held for an
    admin, as the bounce handler leaves a recipient (app/letters/recipients.py)."""
    targeted_campaign(campaign)
    offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
    [quill] = [t.id for t in offer.targets if t.ref == "quill"]
    letter_id = submit_letter(
        campaign=campaign, draft=draft(name="Dana Fictional", email="dana@example.com", body=OWN),
        attribution=Attribution(), submission_key=secrets.token_hex(16), to_mp=True,
        target_ids=[quill],
    )  # fmt: skip
    letter = db.session.get(Letter, letter_id)
    confirm_letter(confirmation_token(letter))
    [recipient] = letter.recipients
    for _ in range(site_refusals.REFUSALS_BEFORE_HOLD):
        refused_for_the_site(recipient, letter, "554 5.7.1 blocked using zen.spamhaus.org")
    db.session.commit()
    return letter
